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
// dropped, so that the standard answer can follow, and Drop then puts the
// headers back as they were before the handler. Headers set by a handler
// that writes nothing are kept.
type Writer struct {
	http.ResponseWriter
	standard int
	state    int         // 0 nothing written; answered; dropped
	saved    http.Header // the headers before the handler
}

const (
	answered = 1
	dropped  = 2
)

// NewWriter wraps w for a refusal whose standard answer has status
// standard.
func NewWriter(w http.ResponseWriter, standard int) *Writer {
	return &Writer{ResponseWriter: w, standard: standard, saved: w.Header().Clone()}
}

// WriteHeader passes an allowed status on, and drops any other. An
// informational status (1xx but 101) is passed on and is not an answer.
func (w *Writer) WriteHeader(code int) {
	if w.state != 0 {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code)
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
// not, the caller writes the standard one. An answer the handler wrote and
// the gate dropped takes the headers the handler set with it (framing,
// encoding, Location, cookies): they are restored to what they were.
func (w *Writer) Answered() bool {
	if w.state == dropped {
		RestoreHeader(w.ResponseWriter.Header(), w.saved)
	}
	return w.state == answered
}

// RestoreHeader makes h equal to saved again.
func RestoreHeader(h, saved http.Header) {
	for k := range h {
		if _, ok := saved[k]; !ok {
			delete(h, k)
		}
	}
	for k, v := range saved {
		h[k] = v
	}
}

// InPlace runs hook, an error handler that writes the response in place
// (fasthttp: res and its header are the response itself), and reports
// whether it answered with a status that may stand. A dropped answer is
// undone: its body goes, and the header is put back as it was before hook.
// Headers set by a hook that writes nothing are kept.
func InPlace[H any, PH headerCopier[H]](res inPlaceResponse, header PH, standard int, hook func()) bool {
	status, size := res.StatusCode(), len(res.Body())
	var saved H
	header.CopyTo(&saved)
	hook()
	if res.StatusCode() == status && len(res.Body()) == size { // it wrote nothing
		return false
	}
	if Allowed(res.StatusCode(), standard) {
		return true
	}
	res.ResetBody()
	PH(&saved).CopyTo((*H)(header))
	return false
}

// inPlaceResponse is what InPlace needs of fasthttp's *Response.
type inPlaceResponse interface {
	StatusCode() int
	Body() []byte
	ResetBody()
}

// headerCopier is a pointer to a header type that copies itself, as
// fasthttp's *ResponseHeader does.
type headerCopier[H any] interface {
	*H
	CopyTo(dst *H)
}
