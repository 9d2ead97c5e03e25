package interop

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMissingServerFailsInCI checks the skip-or-fail rule of requireEnv.
func TestMissingServerFailsInCI(t *testing.T) {
	t.Setenv("AXIOMS_INTEROP_UNSET_FOR_TEST", "")
	for _, tc := range []struct {
		ci, interop string
		wantFail    bool
	}{
		{"", "", false},
		{"false", "", false},
		{"true", "", true},
		{"", "1", true},
	} {
		t.Run("CI="+tc.ci+",AXIOMS_INTEROP="+tc.interop, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			t.Setenv("AXIOMS_INTEROP", tc.interop)
			rec := &recorder{TB: t}
			done := make(chan struct{})
			go func() { // Fatal and Skip end the goroutine
				defer close(done)
				requireEnv(rec, "AXIOMS_INTEROP_UNSET_FOR_TEST", "test")
			}()
			<-done
			assert.Equal(t, tc.wantFail, rec.failed, "failed")
			assert.Equal(t, !tc.wantFail, rec.skipped, "skipped")
		})
	}
}

// recorder records Fatal and Skip instead of ending the test.
type recorder struct {
	testing.TB
	failed, skipped bool
}

func (r *recorder) Helper()       {}
func (r *recorder) Fatal(...any)  { r.failed = true; runtime.Goexit() }
func (r *recorder) Skip(...any)   { r.skipped = true; runtime.Goexit() }
func (r *recorder) Failed() bool  { return r.failed }
func (r *recorder) Skipped() bool { return r.skipped }
