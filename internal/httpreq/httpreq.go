// Package httpreq is the Middleware step of every adapter over net/http
// (httpauth, chiauth, echoauth, echo5auth, ginauth).
package httpreq

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/internal/tokensrc"
)

// Authenticate runs g's decision for r and returns r with the context g
// stamped, for the handlers after the Middleware (on a refusal too, for
// the error path). A skipped request gets g.Skip and no error; its
// credentials are not read. Otherwise the credentials are r's
// Authorization header values and, with fromQuery, its access_token query
// values.
func Authenticate(g *core.Guard, r *http.Request, skip, fromQuery bool) (*http.Request, error) {
	if skip {
		return r.WithContext(g.Skip(r.Context())), nil
	}
	creds := core.Credentials{Authorization: r.Header.Values("Authorization")}
	if fromQuery {
		creds.Query = r.URL.Query()["access_token"]
	}
	ctx, err := g.Authenticate(r.Context(), r.Method, creds)
	return r.WithContext(ctx), err
}

// AuthenticateFrom is Authenticate with the token sources of src beyond
// the Authorization header: the access_token query values (src.Query);
// the values of the src.Cookie cookie; the access_token values of a form
// body (src.Form), only for a request tokensrc.FormApplies accepts; and
// src.Extract, called with x (the framework's request handle) only when
// core needs it (core.Credentials); and, when the connection presented no
// client certificate, the one in the src.CertHeader header
// (core.ClientCertificateFromHeader; a malformed value is answered before
// any other credential is looked at). A skipped request gets g.Skip and
// no error; none of its credentials is read, its body included.
//
// A form body is read up to tokensrc.MaxFormBytes and replaced, in the
// returned request, by a body that reads the same bytes, so the handler
// reads it as sent; a longer body (by its Content-Length, or once the cap
// is read) is core.ErrFormTooLarge and a body that cannot be read or
// parsed core.ErrFormMalformed, answered before any other credential is
// looked at.
func AuthenticateFrom[T any](g *core.Guard, r *http.Request, skip bool, src *tokensrc.Sources[T], x T) (*http.Request, error) {
	if skip {
		return r.WithContext(g.Skip(r.Context())), nil
	}
	creds := connCredentials(r)
	if src.CertHeader != "" && creds.ClientCertificate == nil {
		der, err := core.ClientCertificateFromHeader(r.Header[src.CertHeader])
		if err != nil {
			return r.WithContext(g.Refuse(r.Context(), err)), err // stamped as a refused Authenticate is
		}
		creds.ClientCertificate = der
	}
	if src.Query {
		creds.Query = r.URL.Query()["access_token"]
	}
	var cookies [2]string // room for the one cookie, and the second that makes a 400
	if src.Cookie != "" {
		creds.Cookie = cookies[:0]
		for _, line := range r.Header["Cookie"] {
			creds.Cookie = tokensrc.AppendCookies(creds.Cookie, line, src.Cookie)
		}
	}
	var body io.ReadCloser
	if src.Form && r.Body != nil && r.ContentLength != 0 &&
		tokensrc.FormApplies(r.Method, r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding")) {
		form, replay, err := readForm(r)
		if err != nil {
			// A refusal stamps ctx as a refused Authenticate does: g, no claims.
			r = r.WithContext(g.Refuse(r.Context(), err))
			if replay != nil {
				r.Body = replay
			}
			return r, err
		}
		creds.Form, body = form, replay
	}
	creds.Extract = src.Bind(x)
	ctx, err := g.Authenticate(r.Context(), r.Method, creds)
	if r = r.WithContext(ctx); body != nil {
		r.Body = body
	}
	return r, err
}

// readForm reads the form body of r, at most tokensrc.MaxFormBytes of it,
// and returns its access_token values and a body that reads the same
// bytes as r's did (nil when nothing was read).
func readForm(r *http.Request) ([]string, io.ReadCloser, error) {
	if r.ContentLength > tokensrc.MaxFormBytes {
		return nil, nil, core.ErrFormTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, tokensrc.MaxFormBytes+1))
	replay := &replayBody{Reader: io.MultiReader(bytes.NewReader(b), r.Body), Closer: r.Body}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge) || len(b) > tokensrc.MaxFormBytes:
		return nil, replay, core.ErrFormTooLarge
	case err != nil:
		return nil, replay, fmt.Errorf("%w: %w", core.ErrFormMalformed, err)
	}
	tokens, err := tokensrc.FormTokens(string(b), nil)
	return tokens, replay, err
}

// replayBody is a request body that reads the bytes a Middleware read
// first, then the rest, and closes the original body.
type replayBody struct {
	io.Reader
	io.Closer
}

// connCredentials returns the Credentials of r that every request has:
// its Authorization and DPoP header values, whether it came over TLS, its
// Host, its escaped path and its TLS client certificate. Nothing is
// copied.
func connCredentials(r *http.Request) core.Credentials {
	// r.Header["Dpop"], not Values("DPoP"): canonicalising "DPoP" would
	// allocate a string for every request.
	c := core.Credentials{Authorization: r.Header.Values("Authorization"), DPoP: r.Header["Dpop"],
		Host: r.Host, Path: r.URL.EscapedPath()}
	if r.TLS != nil {
		c.TLS = true
		if len(r.TLS.PeerCertificates) > 0 {
			c.ClientCertificate = r.TLS.PeerCertificates[0].Raw
		}
	}
	return c
}
