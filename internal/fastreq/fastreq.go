// Package fastreq is the Middleware step of the Fiber adapters, on
// fasthttp requests, without importing fasthttp: each Fiber version brings
// its own, and the root module must not.
package fastreq

import (
	"context"
	"unsafe"

	"github.com/axiomsgo/axioms/core"
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
