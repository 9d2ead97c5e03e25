package core

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestValidatorsOf(t *testing.T) {
	const u = "https://issuer.example.com/keys"
	lm := "Tue, 01 Dec 2026 10:00:00 GMT"
	tests := []struct {
		name     string
		header   http.Header
		wantETag string
		wantLM   string
	}{
		{"both", http.Header{"Etag": {`"v1"`}, "Last-Modified": {lm}}, `"v1"`, lm},
		{"weak ETag kept", http.Header{"Etag": {`W/"abc-123"`}}, `W/"abc-123"`, ""},
		{"empty entity-tag", http.Header{"Etag": {`""`}}, `""`, ""},
		{"obsolete date format", http.Header{"Last-Modified": {"Tuesday, 01-Dec-26 10:00:00 GMT"}}, "", "Tuesday, 01-Dec-26 10:00:00 GMT"},
		{"unquoted ETag", http.Header{"Etag": {"v1"}}, "", ""},
		{"lower-case weak prefix", http.Header{"Etag": {`w/"v1"`}}, "", ""},
		{"quote inside", http.Header{"Etag": {`"a"b"`}}, "", ""},
		{"space inside", http.Header{"Etag": {`"a b"`}}, "", ""},
		{"control character", http.Header{"Etag": {"\"a\x01\""}}, "", ""},
		{"non-ASCII", http.Header{"Etag": {"\"caf\xc3\xa9\""}}, "", ""},
		{"list of entity-tags", http.Header{"Etag": {`"a", "b"`}}, "", ""},
		{"two ETag fields", http.Header{"Etag": {`"a"`, `"b"`}}, "", ""},
		{"ETag at the bound", http.Header{"Etag": {`"` + strings.Repeat("e", maxETagBytes-2) + `"`}},
			`"` + strings.Repeat("e", maxETagBytes-2) + `"`, ""},
		{"ETag over the bound", http.Header{"Etag": {`"` + strings.Repeat("e", maxETagBytes-1) + `"`}}, "", ""},
		{"Last-Modified not a date", http.Header{"Last-Modified": {"yesterday"}}, "", ""},
		{"Last-Modified over the bound", http.Header{"Last-Modified": {lm + strings.Repeat(" ", maxLastModifiedBytes)}}, "", ""},
		{"none", http.Header{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := validatorsOf(u, tt.header)
			assert.Equal(t, tt.wantETag, v.etag)
			assert.Equal(t, tt.wantLM, v.lastModified)
			if tt.wantETag == "" && tt.wantLM == "" {
				assert.True(t, v.none())
				assert.Equal(t, validators{}, v.forURL(""), "nothing to send anywhere")
				return
			}
			assert.Equal(t, v, v.forURL(u))
			assert.True(t, v.forURL(u+"2").none(), "never sent to another URL")

			req, err := http.NewRequest(http.MethodGet, u, nil)
			if assert.NoError(t, err) {
				v.apply(req)
				assert.Equal(t, tt.wantETag, req.Header.Get("If-None-Match"))
				assert.Equal(t, tt.wantLM, req.Header.Get("If-Modified-Since"), "sent exactly as received")
			}
		})
	}
}

func TestFreshnessOf(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name     string
		header   http.Header
		want     time.Duration
		known    bool
		wantNoSt bool
	}{
		{"none", http.Header{}, 0, false, false},
		{"max-age", http.Header{"Cache-Control": {"public, max-age=900"}}, 15 * time.Minute, true, false},
		{"max-age quoted", http.Header{"Cache-Control": {`max-age="60"`}}, time.Minute, true, false},
		{"max-age name case", http.Header{"Cache-Control": {"Max-Age=60"}}, time.Minute, true, false},
		{"max-age beside other directives", http.Header{"Cache-Control": {`private="x, max-age=1", max-age=120, must-revalidate`}},
			2 * time.Minute, true, false},
		{"several fields", http.Header{"Cache-Control": {"public", "max-age=30"}}, 30 * time.Second, true, false},
		{"max-age 0", http.Header{"Cache-Control": {"max-age=0"}}, 0, true, false},
		{"max-age huge", http.Header{"Cache-Control": {"max-age=99999999999999999999"}}, maxDeltaSeconds * time.Second, true, false},
		{"max-age invalid: stale", http.Header{"Cache-Control": {"max-age=1h"}}, 0, true, false},
		{"max-age negative: stale", http.Header{"Cache-Control": {"max-age=-5"}}, 0, true, false},
		{"max-age without value: stale", http.Header{"Cache-Control": {"max-age"}}, 0, true, false},
		{"max-age twice: stale", http.Header{"Cache-Control": {"max-age=60, max-age=60"}}, 0, true, false},
		{"no-cache", http.Header{"Cache-Control": {"no-cache"}}, 0, true, false},
		{"no-cache beats max-age", http.Header{"Cache-Control": {"max-age=600, no-cache"}}, 0, true, false},
		{"qualified no-cache is about fields", http.Header{"Cache-Control": {`no-cache="Set-Cookie", max-age=600`}},
			10 * time.Minute, true, false},
		{"no-store", http.Header{"Cache-Control": {"no-store"}}, 0, true, true},
		{"no-store with max-age", http.Header{"Cache-Control": {"max-age=600, NO-STORE"}}, 0, true, true},
		{"s-maxage ignored", http.Header{"Cache-Control": {"s-maxage=600"}}, 0, false, false},
		{"unknown directives only", http.Header{"Cache-Control": {"public, immutable"}}, 0, false, false},
		{"Cache-Control over the bound ignored", http.Header{"Cache-Control": {"max-age=60, x=" + strings.Repeat("a", maxCacheControlBytes)}},
			0, false, false},
		{"Age subtracted", http.Header{"Cache-Control": {"max-age=600"}, "Age": {"100"}}, 500 * time.Second, true, false},
		{"Age beyond max-age", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"100"}}, 0, true, false},
		{"Age invalid ignored", http.Header{"Cache-Control": {"max-age=60"}, "Age": {"soon"}}, time.Minute, true, false},
		{"Age alone says nothing", http.Header{"Age": {"100"}}, 0, false, false},
		{"Expires minus Date", http.Header{"Expires": {date(time.Hour)}, "Date": {date(-time.Minute)}}, 61 * time.Minute, true, false},
		{"Expires without Date: now", http.Header{"Expires": {date(time.Hour)}}, time.Hour, true, false},
		{"Expires in the past", http.Header{"Expires": {date(-time.Hour)}, "Date": {date(0)}}, 0, true, false},
		{"Expires 0: expired", http.Header{"Expires": {"0"}}, 0, true, false},
		{"Expires twice: expired", http.Header{"Expires": {date(time.Hour), date(time.Hour)}}, 0, true, false},
		{"max-age beats Expires", http.Header{"Cache-Control": {"max-age=60"}, "Expires": {date(time.Hour)}}, time.Minute, true, false},
		{"Expires and Age", http.Header{"Expires": {date(time.Hour)}, "Date": {date(0)}, "Age": {"600"}}, 50 * time.Minute, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := freshnessOf(tt.header, now)
			assert.Equal(t, tt.known, f.known, "known")
			assert.Equal(t, tt.want, f.lifetime, "lifetime")
			assert.Equal(t, tt.wantNoSt, f.noStore, "no-store")
		})
	}
}

func TestCacheDirectives(t *testing.T) {
	type kv struct {
		name  string
		value any // string, or nil for none
	}
	collect := func(s string) []kv {
		var out []kv
		for n, v := range cacheDirectives(s) {
			e := kv{name: n}
			if v != nil {
				e.value = *v
			}
			out = append(out, e)
		}
		return out
	}
	assert.Equal(t, []kv{{"public", nil}, {"max-age", "60"}}, collect(" public ,max-age=60 "))
	assert.Equal(t, []kv{{"private", `a, "b`}, {"max-age", "1"}}, collect(`private="a, \"b", max-age=1`))
	assert.Equal(t, []kv{{"x", "unterminated, max-age=1"}}, collect(`x="unterminated, max-age=1`))
	assert.Equal(t, []kv{{"a", ""}, {"b", nil}}, collect("a=,,b,"))
	assert.Empty(t, collect(" , ,"))

	n := 0
	for range cacheDirectives("a, b, c") {
		n++
		break
	}
	assert.Equal(t, 1, n, "stops when told")
}

func TestRefreshDelay(t *testing.T) {
	const floor, interval = 5 * time.Minute, time.Hour
	tests := []struct {
		name string
		f    freshness
		u    float64
		want time.Duration
	}{
		{"no caching headers: the interval", freshness{}, 0, time.Hour},
		{"max-age within bounds", freshness{lifetime: 20 * time.Minute, known: true}, 0, 20 * time.Minute},
		{"max-age below the floor", freshness{lifetime: 15 * time.Second, known: true}, 0, 5 * time.Minute},
		{"stale at once: the floor", freshness{known: true}, 0, 5 * time.Minute},
		{"max-age above the interval", freshness{lifetime: 24 * time.Hour, known: true}, 0, time.Hour},
		{"jitter at most 20% early", freshness{}, 0.999999, time.Hour - time.Duration(0.999999*0.2*float64(time.Hour))},
		{"jitter at half", freshness{lifetime: 20 * time.Minute, known: true}, 0.5, 18 * time.Minute},
		{"jitter on the floor", freshness{known: true}, 0.5, 4*time.Minute + 30*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, refreshDelay(tt.f, floor, interval, tt.u))
		})
	}
	assert.Equal(t, 30*time.Second, retryDelay(30*time.Second, 0))
	assert.Equal(t, 33*time.Second, retryDelay(30*time.Second, 0.5))
	assert.Less(t, retryDelay(30*time.Second, 0.999999), 36*time.Second)
}
