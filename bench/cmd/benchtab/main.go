// Command benchtab runs the benchmarks of the bench module in interleaved
// rounds, prints one table per algorithm with medians and ratios to the
// floor measured in the same run, and writes docs/benchmarks.md and its
// chart.
//
// Run it from the bench directory (make bench does):
//
//	GOWORK=off go run ./cmd/benchtab
//
// It compiles the benchmarks once, then runs the whole set -rounds times
// with -count 1 each time, so that every row sees the same machine
// conditions (performance.md: compare only figures of one run). The last
// line printed is
//
//	ratio core/floor RS256=<x> ES256=<y> EdDSA=<z>
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	rounds := flag.Int("rounds", 8, "interleaved rounds (each runs every benchmark once)")
	benchtime := flag.String("benchtime", "150ms", "-benchtime of each benchmark in each round")
	bench := flag.String("bench", ".", "-bench pattern")
	doc := flag.String("doc", "../docs/benchmarks.md", "markdown file whose generated section is rewritten (\"\" for none)")
	chart := flag.String("chart", "../docs/benchmarks.svg", "SVG chart to write (\"\" for none)")
	raw := flag.String("raw", "", "also write the raw go test output here (benchstat input)")
	in := flag.String("in", "", "read raw go test output from this file instead of running")
	flag.Parse()
	if err := run(*rounds, *benchtime, *bench, *doc, *chart, *raw, *in); err != nil {
		fmt.Fprintln(os.Stderr, "benchtab:", err)
		os.Exit(1)
	}
}

func run(rounds int, benchtime, pattern, doc, chart, rawPath, in string) error {
	start := time.Now()
	var rawOut bytes.Buffer
	if in != "" {
		b, err := os.ReadFile(in)
		if err != nil {
			return err
		}
		rawOut.Write(b)
	} else if err := runRounds(&rawOut, rounds, benchtime, pattern); err != nil {
		return err
	}
	if rawPath != "" {
		if err := os.WriteFile(rawPath, rawOut.Bytes(), 0o644); err != nil {
			return err
		}
	}
	res, meta := parse(&rawOut)
	if len(res) == 0 {
		return fmt.Errorf("no benchmark results")
	}
	meta.rounds, meta.benchtime = rounds, benchtime
	if in != "" {
		meta.rounds = maxSamples(res)
	}
	meta.elapsed = time.Since(start).Round(time.Second)
	results = res
	tables := buildTables(res)
	text := render(tables, meta)
	fmt.Print(text)
	if chart != "" {
		if err := os.WriteFile(chart, []byte(svgChart(res)), 0o644); err != nil {
			return err
		}
	}
	if doc != "" {
		if err := writeDoc(doc, text, filepath.Base(chart)); err != nil {
			return err
		}
	}
	fmt.Println(ratioLine(res))
	return nil
}

// runRounds compiles the benchmarks once and runs them rounds times.
func runRounds(out io.Writer, rounds int, benchtime, pattern string) error {
	dir, err := os.MkdirTemp("", "benchtab")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bench.test")
	fmt.Fprintln(os.Stderr, "benchtab: compiling the benchmarks")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go test -c: %w", err)
	}
	for i := 1; i <= rounds; i++ {
		t := time.Now()
		cmd := exec.Command(bin, "-test.run", "^$", "-test.bench", pattern, "-test.benchmem",
			"-test.count", "1", "-test.benchtime", benchtime)
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, os.Stderr
		if err := cmd.Run(); err != nil {
			os.Stderr.Write(buf.Bytes())
			return fmt.Errorf("round %d: %w", i, err)
		}
		out.Write(buf.Bytes())
		fmt.Fprintf(os.Stderr, "benchtab: round %d/%d done in %s\n", i, rounds, time.Since(t).Round(time.Second))
	}
	return nil
}

// sample is one benchmark result line.
type sample struct{ ns, bytes, allocs float64 }

// result is every sample of one benchmark, and their medians.
type result struct {
	samples []sample
	med     sample
}

type meta struct {
	cpu, goos, goarch string
	rounds            int
	benchtime         string
	elapsed           time.Duration
}

// parse reads go test -bench output. Names lose their -GOMAXPROCS suffix.
func parse(r io.Reader) (map[string]*result, meta) {
	res := map[string]*result{}
	var m meta
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "cpu: "); ok {
			m.cpu = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "goos: "); ok {
			m.goos = v
		}
		if v, ok := strings.CutPrefix(line, "goarch: "); ok {
			m.goarch = v
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		var s sample
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				s.ns = v
			case "B/op":
				s.bytes = v
			case "allocs/op":
				s.allocs = v
			}
		}
		if res[name] == nil {
			res[name] = &result{}
		}
		res[name].samples = append(res[name].samples, s)
	}
	for _, r := range res {
		r.med = sample{
			ns:     median(r.samples, func(s sample) float64 { return s.ns }),
			bytes:  median(r.samples, func(s sample) float64 { return s.bytes }),
			allocs: median(r.samples, func(s sample) float64 { return s.allocs }),
		}
	}
	return res, m
}

func median(ss []sample, f func(sample) float64) float64 {
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func maxSamples(res map[string]*result) int {
	n := 0
	for _, r := range res {
		n = max(n, len(r.samples))
	}
	return n
}

var algs = []string{"RS256", "PS256", "ES256", "EdDSA"}

// e2eFramework is one framework of the end-to-end rows: the benchmark that
// runs it, its name in the benchmark names, its label, the axioms-go
// adapter, and the usual middleware beside it (name, label).
type e2eFramework struct {
	benchmark, fw, label, adapter, peer, peerLabel string
}

// e2eFrameworks are the end-to-end rows of the tables, in table order
// (bench/http_test.go and bench/grpc_test.go).
var e2eFrameworks = []e2eFramework{
	{"BenchmarkHTTP", "echo", "echo v4", "echoauth", "echo-jwt", "echo-jwt v4"},
	{"BenchmarkHTTP", "echo5", "echo v5", "echo5auth", "echo-jwt", "echo-jwt v5"},
	{"BenchmarkHTTP", "fiber", "fiber v2", "fiberauth", "contrib-jwt", "contrib jwt"},
	{"BenchmarkHTTP", "fiber3", "fiber v3", "fiber3auth", "contrib-jwt", "contrib v3 jwt"},
	{"BenchmarkHTTP", "gin", "gin", "ginauth", "gin-jwt", "appleboy/gin-jwt v3"},
	{"BenchmarkHTTP", "chi", "chi", "chiauth", "jwtauth", "jwtauth v5"},
	{"BenchmarkGRPC", "grpc", "grpc", "grpcauth", "go-grpc-middleware", "go-grpc-middleware v2 auth + golang-jwt v5"},
}

// bench is the name of the row of f for alg.
func (f e2eFramework) bench(alg, row string) string {
	return f.benchmark + "/" + alg + "/" + f.fw + "-" + row
}

// bare is the bare row of f, measured once (RS256: it verifies nothing).
func (f e2eFramework) bare() string { return f.bench("RS256", "bare") }

func (f e2eFramework) bareLabel() string {
	if f.benchmark == "BenchmarkGRPC" {
		return "bare unary call"
	}
	return "bare router"
}

// row is one table line: a label and the benchmark it shows.
type row struct{ label, bench string }

// table is one rendered table: rows measured against the floor bench.
type table struct {
	title, floor string
	rows         []row
}

func buildTables(res map[string]*result) []table {
	var ts []table
	for _, alg := range algs {
		v := func(r string) string { return "BenchmarkVerify/" + alg + "/" + r }
		rows := []row{
			{"signature check alone", v("floor-sig")},
			{"**floor (full)**", v("floor")},
			{"**axioms-go core**", v("core")},
			{"golang-jwt v5 (kid → key map)", v("golang-jwt")},
			{"go-jose v4", v("go-jose")},
			{"jwx v3 `jwt.Parse` + key set", v("jwx")},
			{"auth0 go-jwt-middleware v3 validator", v("auth0")},
			{"axioms-go core, token cache hit", "BenchmarkCacheHit/" + alg + "/core-cache-hit"},
		}
		for _, f := range e2eFrameworks {
			rows = append(rows, row{f.label + ", " + f.bareLabel(), f.bare()},
				row{f.label + " + axioms-go " + f.adapter, f.bench(alg, "axioms")},
				row{f.label + " + " + f.peerLabel, f.bench(alg, f.peer)})
		}
		ts = append(ts, table{title: alg, floor: v("floor"), rows: rows})
	}
	var ks []row
	for _, n := range []string{"1", "10", "100"} {
		for _, lib := range []string{"core", "golang-jwt", "jwx"} {
			ks = append(ks, row{fmt.Sprintf("%s, %s keys", libLabel(lib), n), "BenchmarkKeySet/RS256/" + lib + "-keys-" + n})
		}
	}
	ts = append(ts, table{title: "RS256, key-set size (the token's key last)", floor: "BenchmarkVerify/RS256/floor", rows: ks})
	for _, sz := range []string{"1KB", "8KB"} {
		var rows []row
		for _, lib := range []string{"floor", "core", "golang-jwt", "jwx"} {
			rows = append(rows, row{libLabel(lib), "BenchmarkClaimSize/RS256/" + lib + "-claims-" + sz})
		}
		ts = append(ts, table{title: "RS256, claims of " + strings.TrimSuffix(sz, "KB") + " KB",
			floor: "BenchmarkClaimSize/RS256/floor-claims-" + sz, rows: rows})
	}
	var cache []row
	for _, alg := range algs {
		cache = append(cache, row{"core, " + alg, "BenchmarkCacheHit/" + alg + "/core-cache-hit"})
	}
	for _, f := range e2eFrameworks {
		cache = append(cache, row{f.label + ", " + f.bareLabel(), f.bare()},
			row{f.label + " + axioms-go " + f.adapter + ", cache hit", f.bench("RS256", "axioms-cache-hit")})
	}
	ts = append(ts, table{title: "Token cache hits (RS256 token)", floor: "BenchmarkVerify/RS256/floor", rows: cache})
	ts = append(ts, table{title: "DPoP (RFC 9449): chi + chiauth, RS256 token from the cache (× the ES256 signature check alone)",
		floor: "BenchmarkVerify/ES256/floor-sig", rows: []row{
			{"Bearer request", "BenchmarkDPoP/RS256/bearer-cache-hit"},
			{"DPoP request, ES256 proof checked (replay store excluded)", "BenchmarkDPoP/RS256/dpop-ES256-proof"},
		}})
	ts = append(ts, table{title: "Opaque tokens (RFC 7662): chi + chiauth with introspection configured (× the RS256 JWT from the token cache)",
		floor: "BenchmarkIntrospection/RS256/jwt-cache-hit", rows: []row{
			{"RS256 JWT, token cache hit", "BenchmarkIntrospection/RS256/jwt-cache-hit"},
			{"opaque token, introspection cache hit", "BenchmarkIntrospection/opaque-cache-hit"},
			{"RS256 JWT verified locally (token cache off)", "BenchmarkIntrospection/RS256/jwt-verified"},
			{"opaque token introspected over loopback (new token each time)", "BenchmarkIntrospection/opaque-loopback"},
		}})
	for _, form := range []string{"single", "multi"} {
		rows := []row{{"valid token, 16 KiB of claims", "BenchmarkForged/RS256/" + form + "-valid"},
			{"forged: 16 KiB header", "BenchmarkForged/RS256/" + form + "-forged-header"},
			{"forged: 16 KiB payload, bad signature", "BenchmarkForged/RS256/" + form + "-forged-payload"}}
		if form == "multi" {
			rows = append(rows, row{"forged: 16 KiB payload naming a trusted iss, bad signature", "BenchmarkForged/RS256/multi-forged-iss"})
		}
		ts = append(ts, table{title: "Forged tokens of the maximum size, " + map[string]string{"single": "one issuer", "multi": "several issuers"}[form] +
			" (× the valid token of the same size)", floor: "BenchmarkForged/RS256/" + form + "-valid", rows: rows})
	}
	return ts
}

func libLabel(lib string) string {
	switch lib {
	case "core":
		return "axioms-go core"
	case "golang-jwt":
		return "golang-jwt v5"
	case "jwx":
		return "jwx v3"
	}
	return lib
}

func render(ts []table, m meta) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Medians of %d interleaved rounds (-count 1 each, -benchtime %s), one run; %s, %s/%s, %d CPUs, %s.\n",
		m.rounds, m.benchtime, runtime.Version(), m.goos, m.goarch, runtime.NumCPU(), m.cpu)
	fmt.Fprintf(&b, "ns/op, B/op and allocs/op are medians over the rounds; × floor is the median over the rounds of the row's ns/op ÷ the full floor's of the same algorithm (claim-size tables: of the same claims) in the same round.\n\n")
	for _, t := range ts {
		fmt.Fprintf(&b, "### %s\n\n", t.title)
		fmt.Fprintf(&b, "| %s | ns/op | × floor | B/op | allocs/op |\n|---|---:|---:|---:|---:|\n", "row")
		for _, r := range t.rows {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.label, cell(t.floor, r.bench, "ns"),
				ratioCell(t.floor, r.bench), cell(t.floor, r.bench, "B"), cell(t.floor, r.bench, "allocs"))
		}
		b.WriteString("\n")
	}
	b.WriteString(targets())
	return b.String()
}

// results is set by run before render (tables read it).
var results map[string]*result

func get(name string) (sample, bool) {
	r, ok := results[name]
	if !ok {
		return sample{}, false
	}
	return r.med, true
}

func cell(_, bench, what string) string {
	s, ok := get(bench)
	if !ok {
		return "–"
	}
	switch what {
	case "ns":
		return thousands(s.ns)
	case "B":
		return thousands(s.bytes)
	}
	return thousands(s.allocs)
}

func ratioCell(floor, bench string) string {
	r := ratio(bench, floor)
	switch {
	case r == 0:
		return "–"
	case r < 0.1:
		return fmt.Sprintf("%.3f", r)
	}
	return fmt.Sprintf("%.2f", r)
}

// thousands formats v with a comma every three digits (one decimal under 100).
func thousands(v float64) string {
	if v < 100 && v != float64(int64(v)) {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatInt(int64(v+0.5), 10)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// targets renders the target check of performance.md.
func targets() string {
	var b strings.Builder
	b.WriteString("### Targets\n\n| target | measured | met |\n|---|---|:-:|\n")
	for _, alg := range algs {
		r := ratio("BenchmarkVerify/"+alg+"/core", "BenchmarkVerify/"+alg+"/floor")
		fmt.Fprintf(&b, "| %s core ≤ 1.15× floor | %.2f× | %s |\n", alg, r, yes(r > 0 && r <= 1.15))
	}
	for _, alg := range algs {
		c, _ := get("BenchmarkVerify/" + alg + "/core")
		g, _ := get("BenchmarkVerify/" + alg + "/golang-jwt")
		fmt.Fprintf(&b, "| %s core allocs < golang-jwt | %s vs %s | %s |\n", alg, thousands(c.allocs), thousands(g.allocs), yes(c.allocs < g.allocs))
	}
	for _, f := range e2eFrameworks {
		over := overhead(f.bench("RS256", "axioms-cache-hit"), f.bare(), "BenchmarkCacheHit/RS256/core-cache-hit") / 1000
		fmt.Fprintf(&b, "| %s %s adds ≤ 0.5 µs over the %s (with a cache hit: e2e − bare − core hit) | %.2f µs | %s |\n",
			f.label, f.adapter, f.bareLabel(), over, yes(over <= 0.5))
		hit, _ := get(f.bench("RS256", "axioms-cache-hit"))
		bare, _ := get(f.bare())
		fmt.Fprintf(&b, "| %s %s adds ≤ 2 allocations over the %s (with a cache hit) | %s | %s |\n",
			f.label, f.adapter, f.bareLabel(), thousands(hit.allocs-bare.allocs), yes(hit.allocs-bare.allocs <= 2))
		var diffs []string
		for _, alg := range algs {
			d := overhead(f.bench(alg, "axioms"), f.bare(), "BenchmarkVerify/"+alg+"/core")
			diffs = append(diffs, fmt.Sprintf("%s %+.1f", alg, d/1000))
		}
		fmt.Fprintf(&b, "| %s %s, full verification (e2e − bare − core, noisy) | %s µs | |\n", f.label, f.adapter, strings.Join(diffs, ", "))
	}
	for _, alg := range algs {
		h, _ := get("BenchmarkCacheHit/" + alg + "/core-cache-hit")
		fmt.Fprintf(&b, "| %s cache hit < 1 µs, ≤ 2 allocs | %s ns, %s allocs | %s |\n", alg, thousands(h.ns), thousands(h.allocs), yes(h.ns < 1000 && h.allocs <= 2))
	}
	b.WriteString("\n")
	return b.String()
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// ratio is the median over rounds of a's ns/op ÷ b's ns/op in the same
// round: each pair ran a moment apart, so a burst of load on the machine
// cancels out better than in the ratio of the medians.
func ratio(a, b string) float64 {
	x, ok1 := results[a]
	y, ok2 := results[b]
	if !ok1 || !ok2 || len(x.samples) == 0 || len(x.samples) != len(y.samples) {
		return 0
	}
	rs := make([]sample, len(x.samples))
	for i := range x.samples {
		rs[i].ns = x.samples[i].ns / y.samples[i].ns
	}
	return median(rs, func(s sample) float64 { return s.ns })
}

// overhead is the median over rounds of e2e − bare − hit, in ns.
func overhead(e2e, bare, hit string) float64 {
	e, b, h := results[e2e], results[bare], results[hit]
	if e == nil || b == nil || h == nil || len(e.samples) != len(b.samples) || len(e.samples) != len(h.samples) {
		return 0
	}
	ds := make([]sample, len(e.samples))
	for i := range e.samples {
		ds[i].ns = e.samples[i].ns - b.samples[i].ns - h.samples[i].ns
	}
	return median(ds, func(s sample) float64 { return s.ns })
}

func ratioLine(res map[string]*result) string {
	f := func(alg string) string {
		return fmt.Sprintf("%.2f", ratio("BenchmarkVerify/"+alg+"/core", "BenchmarkVerify/"+alg+"/floor"))
	}
	return fmt.Sprintf("ratio core/floor RS256=%s ES256=%s EdDSA=%s", f("RS256"), f("ES256"), f("EdDSA"))
}

const (
	beginMark = "<!-- benchtab:begin (generated by bench/cmd/benchtab; do not edit) -->"
	endMark   = "<!-- benchtab:end -->"
)

// writeDoc replaces the generated section of the markdown file at path,
// keeping the prose around it (a missing file is created).
func writeDoc(path, tables, chart string) error {
	section := beginMark + "\n\n![core and peers, × floor, per algorithm](" + chart + ")\n\n" + tables + endMark
	old, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return os.WriteFile(path, []byte("# Benchmarks\n\n"+section+"\n"), 0o644)
	}
	if err != nil {
		return err
	}
	s := string(old)
	i, j := strings.Index(s, beginMark), strings.Index(s, endMark)
	if i < 0 || j < i {
		return fmt.Errorf("%s: markers %q … %q not found", path, beginMark, endMark)
	}
	return os.WriteFile(path, []byte(s[:i]+section+s[j+len(endMark):]), 0o644)
}
