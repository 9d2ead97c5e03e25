// Command client calls every method of the gRPC example server
// (examples/grpc) twice, without a token and, with -token, with that
// bearer token, and prints for each call its gRPC status, the HTTP status
// it stands for (OK 200, Unauthenticated 401, PermissionDenied 403,
// InvalidArgument 400, Unavailable 503) and the answer or the
// www-authenticate challenge:
//
//	go run ./grpc/client -addr 127.0.0.1:8080 -token eyJ...
//
// The development banner of the server prints this command for each
// persona. It exits with status 1 when the server cannot be reached.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/axiomsgo/axioms/examples/internal/grpcapp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "the server's host:port")
	token := flag.String("token", "", "a bearer access token (the server's development banner prints some)")
	flag.Parse()
	if err := run(os.Stdout, *addr, *token); err != nil {
		log.Fatal(err)
	}
}

// httpStatus is the HTTP status each code stands for here.
var httpStatus = map[codes.Code]int{
	codes.OK: 200, codes.InvalidArgument: 400, codes.Unauthenticated: 401, codes.PermissionDenied: 403, codes.Unavailable: 503,
}

func run(w io.Writer, addr, token string) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	health, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		return fmt.Errorf("health check of %s: %w", addr, err)
	}
	fmt.Fprintf(w, "%s (public): %s\n", healthpb.Health_Check_FullMethodName, health.GetStatus())
	callers := []string{"anonymous"}
	if token != "" {
		callers = append(callers, "token")
	}
	for _, method := range grpcapp.Methods {
		for _, as := range callers {
			callCtx := ctx
			if as == "token" {
				callCtx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
			}
			answers, header, err := invoke(callCtx, conn, method)
			fmt.Fprintf(w, "%s as %s: %s\n", method, as, describe(answers, header, err))
		}
	}
	return nil
}

// invoke calls method (Watch as a server stream) and returns its answers,
// the response header metadata and the error.
func invoke(ctx context.Context, conn *grpc.ClientConn, method string) ([]string, metadata.MD, error) {
	var header metadata.MD
	if method != grpcapp.Watch {
		out := new(wrapperspb.StringValue)
		err := conn.Invoke(ctx, method, &emptypb.Empty{}, out, grpc.Header(&header))
		return []string{out.GetValue()}, header, err
	}
	cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, method, grpc.Header(&header))
	if err == nil {
		err = cs.SendMsg(&emptypb.Empty{})
	}
	if err == nil {
		err = cs.CloseSend()
	}
	var answers []string
	for err == nil {
		out := new(wrapperspb.StringValue)
		if err = cs.RecvMsg(out); err == nil {
			answers = append(answers, out.GetValue())
		}
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return answers, header, err
}

// describe renders one call's outcome, such as
// `PermissionDenied (HTTP 403): insufficient role; www-authenticate: Bearer realm="api", ...`.
func describe(answers []string, header metadata.MD, err error) string {
	st := status.Convert(err)
	line := st.Code().String()
	if s, ok := httpStatus[st.Code()]; ok {
		line += fmt.Sprintf(" (HTTP %d)", s)
	}
	if err == nil {
		return line + ": " + strings.Join(answers, ", ")
	}
	line += ": " + st.Message()
	if challenge := header.Get("www-authenticate"); len(challenge) > 0 {
		line += "; www-authenticate: " + strings.Join(challenge, ", ")
	}
	return line
}
