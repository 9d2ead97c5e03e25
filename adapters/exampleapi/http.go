package exampleapi

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/axiomsgo/axioms/core"
)

// HTTPHandler adapts a table handler to net/http, for routers of
// http.Handler (net/http, chi): id reads the request's {id} parameter and
// authorize is the adapter's Authorize.
func HTTPHandler(handle func(Request) Reply, id func(*http.Request) string,
	authorize func(http.ResponseWriter, *http.Request, core.Policy) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply := handle(Request{
			Method: r.Method, ID: id(r), Body: r.Body, Context: r.Context(),
			Authorize: func(p core.Policy) bool { return authorize(w, r, p) },
		})
		WriteReply(w, reply)
	})
}

// WriteReply writes reply with net/http: JSON (or Raw), no body for 204,
// nothing for Answered.
func WriteReply(w http.ResponseWriter, reply Reply) {
	switch reply.Status {
	case 0:
		return
	case http.StatusNoContent:
		w.WriteHeader(reply.Status)
		return
	}
	if reply.Raw != "" {
		w.Header().Set("Content-Type", reply.ContentType)
		w.WriteHeader(reply.Status)
		_, _ = io.WriteString(w, reply.Raw)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(reply.Status)
	_ = json.NewEncoder(w).Encode(reply.Body)
}
