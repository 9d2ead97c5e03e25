// Package fastreq is the Middleware step of the Fiber adapters, on
// fasthttp requests, without importing fasthttp: each Fiber version brings
// its own, and the root module must not.
package fastreq

import (
	"context"
	"crypto/tls"
	"strings"
	"unsafe"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/internal/tokensrc"
)

// Header is what Authenticate needs of fasthttp's *RequestHeader.
type Header interface{ PeekAll(key string) [][]byte }

// Args is what Authenticate needs of fasthttp's *Args.
type Args interface{ PeekMulti(key string) [][]byte }

// Authenticate runs g's decision for a request with context ctx and
// returns the context g stamped. A skipped request gets g.Skip and no
// error; its credentials are not read. Otherwise the credentials are every
// Authorization value of h (the request's *fasthttp.RequestHeader) and,
// with fromQuery, every access_token query value of rc (its
// *fasthttp.RequestCtx). method may alias fasthttp's buffer: core only
// compares it.
func Authenticate[A Args](g *core.Guard, ctx context.Context, method string, rc interface{ QueryArgs() A }, h Header, skip, fromQuery bool) (context.Context, error) {
	if skip {
		return g.Skip(ctx), nil
	}
	var auth [2]string // room for the usual one header, and the second that makes a 400
	return g.Authenticate(ctx, method, credentials(rc, h, fromQuery, auth[:0]))
}

// credentials views the values in fasthttp's request buffers without
// copying, appending the header values to auth. That is safe because core
// keeps no part of them (the claims and the token they carry own their
// memory).
func credentials[A Args](rc interface{ QueryArgs() A }, h Header, fromQuery bool, auth []string) core.Credentials {
	cr := core.Credentials{Authorization: auth}
	for _, v := range h.PeekAll("Authorization") {
		cr.Authorization = append(cr.Authorization, view(v))
	}
	if fromQuery {
		for _, v := range rc.QueryArgs().PeekMulti("access_token") {
			cr.Query = append(cr.Query, view(v))
		}
	}
	return cr
}

// view is b as a string sharing its memory.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// Request is what AuthenticateFrom needs of fasthttp's *RequestCtx: its
// query arguments and its body.
type Request[A Args] interface {
	QueryArgs() A
	PostBody() []byte
}

// FullHeader is what AuthenticateFrom needs of fasthttp's
// *RequestHeader.
type FullHeader interface {
	Header
	ContentLength() int
}

// AuthenticateFrom is Authenticate with the token sources of src beyond
// the Authorization header, read as package httpreq reads them for
// net/http: the access_token query values (src.Query); the values of the
// src.Cookie cookie; the access_token values of a form body (src.Form),
// only for a request tokensrc.FormApplies accepts; src.Extract, called
// with x (the framework's request handle) only when core needs it
// (core.Credentials); and, when the connection presented no client
// certificate, the one in the src.CertHeader header
// (core.ClientCertificateFromHeader; a malformed value is answered before
// any other credential is looked at). A skipped request gets g.Skip and no
// error; none of its credentials is read, its body included.
//
// fasthttp has read the body already, so it is left as it is for the
// handler; a body longer than tokensrc.MaxFormBytes (by its
// Content-Length, or its length) is core.ErrFormTooLarge and one that
// does not parse core.ErrFormMalformed, answered before any other
// credential is looked at. Every value is a view into fasthttp's buffers,
// which core does not keep.
func AuthenticateFrom[A Args, T any](g *core.Guard, ctx context.Context, method string, rc Request[A], h FullHeader, skip bool, src *tokensrc.Sources[T], x T) (context.Context, error) {
	if skip {
		return g.Skip(ctx), nil
	}
	var auth, cookies, dpop [2]string // room for the usual one value, and the second that makes a 400
	creds := credentials(rc, h, src.Query, auth[:0])
	creds.DPoP = appendValues(dpop[:0], h, "DPoP") // returned, not stored through a pointer: dpop stays on the stack
	connInfo(&creds, rc)
	if src.CertHeader != "" && creds.ClientCertificate == nil {
		der, err := headerCertificate(h, src.CertHeader)
		if err != nil {
			return g.Refuse(ctx, err), err // stamped as a refused Authenticate is: g, no claims
		}
		creds.ClientCertificate = der
	}
	if src.Cookie != "" {
		creds.Cookie = cookies[:0]
		for _, line := range h.PeekAll("Cookie") {
			creds.Cookie = tokensrc.AppendCookies(creds.Cookie, view(line), src.Cookie)
		}
	}
	if src.Form && tokensrc.FormApplies(method, peek(h, "Content-Type"), peek(h, "Content-Encoding")) {
		form, err := formTokens(rc, h)
		if err != nil {
			return g.Refuse(ctx, err), err // stamped as a refused Authenticate is: g, no claims
		}
		creds.Form = form
	}
	creds.Extract = src.Bind(x)
	return g.Authenticate(ctx, method, creds)
}

// formTokens returns the access_token values of the form body of rc.
func formTokens[A Args](rc Request[A], h FullHeader) ([]string, error) {
	if h.ContentLength() > tokensrc.MaxFormBytes {
		return nil, core.ErrFormTooLarge
	}
	body := rc.PostBody()
	if len(body) > tokensrc.MaxFormBytes {
		return nil, core.ErrFormTooLarge
	}
	return tokensrc.FormTokens(view(body), nil)
}

// peek returns the first value of the header key of h, a view, or "".
func peek(h Header, key string) string {
	if v := h.PeekAll(key); len(v) > 0 {
		return view(v[0])
	}
	return ""
}

// conn is what fasthttp's *RequestCtx tells of the connection and the
// request line (the methods of *fasthttp.RequestCtx, named here so that
// the root module does not import fasthttp).
type conn interface {
	IsTLS() bool
	Host() []byte
	RequestURI() []byte
	TLSConnectionState() *tls.ConnectionState
}

// connInfo fills the TLS flag, the Host, the path (the request URI up to
// its query) and the TLS client certificate of creds from rc, when rc is
// a *fasthttp.RequestCtx. Every value is a view.
func connInfo(creds *core.Credentials, rc any) {
	c, ok := rc.(conn)
	if !ok {
		return
	}
	creds.TLS, creds.Host = c.IsTLS(), view(c.Host())
	uri := view(c.RequestURI())
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	creds.Path = uri
	if creds.TLS {
		if st := c.TLSConnectionState(); st != nil && len(st.PeerCertificates) > 0 {
			creds.ClientCertificate = st.PeerCertificates[0].Raw
		}
	}
}

// headerCertificate is core.ClientCertificateFromHeader of the values of
// the header name of h, viewed in place.
func headerCertificate(h Header, name string) ([]byte, error) {
	var vals [2]string // room for the one value, and the second that makes a 400
	return core.ClientCertificateFromHeader(appendValues(vals[:0], h, name))
}

// appendValues appends to dst a view of every value of the header key of
// h, and returns dst.
func appendValues(dst []string, h Header, key string) []string {
	for _, v := range h.PeekAll(key) {
		dst = append(dst, view(v))
	}
	return dst
}
