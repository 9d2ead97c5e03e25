package hookgate_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/axiomsgo/axioms/internal/hookgate"
)

func TestAllowed(t *testing.T) {
	for _, tt := range []struct {
		status, standard int
		want             bool
	}{
		{401, 401, true}, {403, 401, true}, {418, 403, true}, {499, 400, true},
		{200, 401, false}, {204, 403, false}, {302, 401, false}, {500, 401, false},
		{503, 503, true}, {500, 503, false}, {399, 401, false},
	} {
		assert.Equal(t, tt.want, hookgate.Allowed(tt.status, tt.standard), "%d for %d", tt.status, tt.standard)
	}
}

func TestWriter(t *testing.T) {
	for _, tt := range []struct {
		name     string
		write    func(w http.ResponseWriter)
		answered bool
		code     int
		body     string
	}{
		{"nothing", func(http.ResponseWriter) {}, false, 200, ""},
		{"a header only", func(w http.ResponseWriter) { w.Header().Set("X-A", "1") }, false, 200, ""},
		{"a 4xx answer", func(w http.ResponseWriter) { w.WriteHeader(418); _, _ = w.Write([]byte("tea")) }, true, 418, "tea"},
		{"a body without status is a 200, dropped", func(w http.ResponseWriter) { _, _ = w.Write([]byte("ok")) }, false, 200, ""},
		{"a 200, dropped", func(w http.ResponseWriter) { w.WriteHeader(200); _, _ = w.Write([]byte("ok")) }, false, 200, ""},
		{"a 500, dropped", func(w http.ResponseWriter) { w.WriteHeader(500) }, false, 200, ""},
		{"a flush is a 200, dropped", func(w http.ResponseWriter) { http.NewResponseController(w).Flush() }, false, 200, ""},
		{"a dropped answer takes its headers", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "2")
			w.Header().Set("X-Before", "changed")
			w.WriteHeader(200)
		}, false, 200, ""},
		// (httptest.ResponseRecorder keeps the first status, 103; a server
		// sends the hint, then the 401.)
		{"an early hint is no answer", func(w http.ResponseWriter) { w.WriteHeader(103); w.WriteHeader(401) }, true, 103, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			rec.Header().Set("X-Before", "1")
			w := hookgate.NewWriter(rec, 401)
			tt.write(w)
			assert.Equal(t, tt.answered, w.Answered())
			if !tt.answered {
				assert.Empty(t, rec.Header().Values("Content-Length"), "a dropped answer's headers are gone")
				if rec.Header().Get("X-Before") != "1" {
					t.Errorf("headers before the handler are restored: %v", rec.Header())
				}
			}
			assert.Equal(t, tt.code, rec.Code)
			assert.Equal(t, tt.body, rec.Body.String())
			assert.False(t, rec.Flushed && !tt.answered, "nothing flushed for a dropped answer")
		})
	}
}
