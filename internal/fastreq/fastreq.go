// Package fastreq reads the credentials of a fasthttp request for the
// Fiber adapters, without importing fasthttp: each Fiber version brings
// its own, and the root module must not.
package fastreq

import (
	"unsafe"

	"github.com/axiomsgo/axioms/core"
)

// Header is what Credentials needs of fasthttp's *RequestHeader.
type Header interface{ PeekAll(key string) [][]byte }

// Args is what Credentials needs of fasthttp's *Args.
type Args interface{ PeekMulti(key string) [][]byte }

// Credentials views every Authorization header value of h, appended to
// auth, and, with fromQuery, every access_token query value of rc (a
// *fasthttp.RequestCtx), in fasthttp's request buffers without copying.
// That is safe because core keeps no part of them (the claims and the
// token they carry own their memory).
func Credentials[A Args](rc interface{ QueryArgs() A }, h Header, fromQuery bool, auth []string) core.Credentials {
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
