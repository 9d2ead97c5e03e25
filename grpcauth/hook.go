package grpcauth

import (
	"context"
	"net/http"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/axiomsgo/axioms/internal/hookgate"
)

// hook runs the error handler with the metadata it sets held back, and
// returns its answer when that stands, nil when the standard answer
// follows. The held metadata is set on the response unless the answer is
// dropped (hookgate.Allowed, with the HTTP status gRPC maps its code to).
func (m *interceptor) hook(ctx context.Context, err error) error {
	method, _ := grpc.Method(ctx)
	held := &heldStream{method: method}
	answer := m.cfg.onError(grpc.NewContextWithServerTransportStream(ctx, held), err)
	standard := m.guard.Response(err, false, "").Status
	if answer != nil && !hookgate.Allowed(httpStatus(answer), standard) {
		return nil // dropped, with its metadata
	}
	setMetadata(ctx, held.header)
	_ = grpc.SetTrailer(ctx, held.trailer)
	return answer
}

// heldStream is the grpc.ServerTransportStream the error handler sees: it
// keeps the header and trailer metadata set or sent, for hook to pass on
// or drop.
type heldStream struct {
	method          string
	header, trailer metadata.MD
}

func (s *heldStream) Method() string { return s.method }

func (s *heldStream) SetHeader(md metadata.MD) error {
	s.header = metadata.Join(s.header, md)
	return nil
}

// SendHeader holds md like SetHeader: it goes out with the answer.
func (s *heldStream) SendHeader(md metadata.MD) error { return s.SetHeader(md) }

func (s *heldStream) SetTrailer(md metadata.MD) error {
	s.trailer = metadata.Join(s.trailer, md)
	return nil
}

// httpStatus is the HTTP status of err's gRPC code, as google.rpc.Code
// documents it; a plain error is Unknown (500).
func httpStatus(err error) int {
	if s, ok := httpStatusOf[status.Code(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

var httpStatusOf = map[codes.Code]int{
	codes.OK:                 http.StatusOK,
	codes.Canceled:           499, // client closed request
	codes.InvalidArgument:    http.StatusBadRequest,
	codes.DeadlineExceeded:   http.StatusGatewayTimeout,
	codes.NotFound:           http.StatusNotFound,
	codes.AlreadyExists:      http.StatusConflict,
	codes.PermissionDenied:   http.StatusForbidden,
	codes.ResourceExhausted:  http.StatusTooManyRequests,
	codes.FailedPrecondition: http.StatusBadRequest,
	codes.Aborted:            http.StatusConflict,
	codes.OutOfRange:         http.StatusBadRequest,
	codes.Unimplemented:      http.StatusNotImplemented,
	codes.Unavailable:        http.StatusServiceUnavailable,
	codes.Unauthenticated:    http.StatusUnauthorized,
}
