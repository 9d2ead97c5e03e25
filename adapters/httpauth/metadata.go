package httpauth

import (
	"net/http"
	"strconv"

	"github.com/axiomsgo/axioms/core"
)

// MetadataHandler serves m's RFC 9728 protected-resource metadata document
// without authentication: 200 with Content-Type core.ContentType to GET and
// HEAD, 405 with Allow to other methods, 404 when m is nil. Register it at
// m.Path() outside Middleware (or skip that path), and
// give the same m to WithResourceMetadata so that challenges point to it:
//
//	mux.Handle("GET "+m.Path(), httpauth.MetadataHandler(m))
//
// It sets no CORS header unless m has core.ResourceMetadata.WithCORS: then
// every answer carries Access-Control-Allow-Origin: * and OPTIONS (a CORS
// preflight) gets 204 (see m.SetCORSHeaders); register it for OPTIONS too,
// as in mux.Handle(m.Path(), ...) without a method.
func MetadataHandler(m *core.ResourceMetadata) http.Handler {
	doc := m.Document()
	length := strconv.Itoa(len(doc))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case doc == nil:
			http.NotFound(w, r)
			return
		case m.SetCORSHeaders(r.Method, w.Header().Set):
			w.WriteHeader(http.StatusNoContent)
			return
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", core.ContentType)
		h.Set("Content-Length", length)
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(doc)
		}
	})
}
