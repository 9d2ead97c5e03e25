// Package hookgate decides, once for every adapter, which answers an error
// handler (WithErrorHandler) may give to a refused request: a refusal is
// never answered with a 2xx or 3xx, nor with a 5xx other than the standard
// one, whatever the handler writes.
package hookgate

import "net/http"

// Allowed reports whether an error handler's own answer with status may
// stand for a refusal whose standard answer has status standard: any 4xx,
// or standard itself (503 when no key set is usable). Any other answer is
// replaced by the standard one.
func Allowed(status, standard int) bool {
	return status >= 400 && status < 500 || status == standard
}

// Writer is the http.ResponseWriter an error handler writes to: an answer
// with an allowed status goes through; any other (its status and body) is
// dropped, so that the standard answer can follow. Headers the handler
// sets are kept either way.
type Writer struct {
	http.ResponseWriter
	standard int
	state    int // 0 nothing written; answered; dropped
}

const (
	answered = 1
	dropped  = 2
)

// NewWriter wraps w for a refusal whose standard answer has status
// standard.
func NewWriter(w http.ResponseWriter, standard int) *Writer {
	return &Writer{ResponseWriter: w, standard: standard}
}

// WriteHeader passes an allowed status on, and drops any other.
func (w *Writer) WriteHeader(code int) {
	if w.state != 0 {
		return
	}
	if !Allowed(code, w.standard) {
		w.state = dropped
		return
	}
	w.state = answered
	w.ResponseWriter.WriteHeader(code)
}

// Write writes b after an allowed status; without a status it is a 200,
// which is dropped with b.
func (w *Writer) Write(b []byte) (int, error) {
	if w.state == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.state == dropped {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Flush flushes an allowed answer; before any status it is a 200, dropped.
func (w *Writer) Flush() {
	if w.state == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.state == answered {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

// Answered reports whether the handler wrote an allowed answer; when it did
// not, the caller writes the standard one.
func (w *Writer) Answered() bool { return w.state == answered }
