package main

import (
	"fmt"
	"strings"
)

// chartRows are the verifiers drawn for each algorithm, with their colours.
var chartRows = []struct{ label, bench, color string }{
	{"floor (full)", "floor", "#9e9e9e"},
	{"axioms-go core", "core", "#1565c0"},
	{"golang-jwt v5", "golang-jwt", "#ef6c00"},
	{"go-jose v4", "go-jose", "#8e24aa"},
	{"jwx v3", "jwx", "#2e7d32"},
	{"auth0 v3", "auth0", "#c62828"},
}

// svgChart draws ns/op ÷ floor as grouped horizontal bars, one group per
// algorithm, with the value at the end of each bar.
func svgChart(res map[string]*result) string {
	const (
		left, barH, gap, groupGap, width = 150, 14, 3, 22, 760
		top                              = 56
	)
	maxR := 1.0
	for _, alg := range algs {
		for _, r := range chartRows {
			maxR = max(maxR, ratio("BenchmarkVerify/"+alg+"/"+r.bench, "BenchmarkVerify/"+alg+"/floor"))
		}
	}
	maxR = float64(int(maxR*2)+1) / 2 // round up to 0.5
	scale := float64(width-left-60) / maxR
	groupH := len(chartRows)*(barH+gap) + groupGap
	height := top + len(algs)*groupH + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="15" font-weight="bold">Token verification time ÷ the floor (lower is better; medians of one run)</text>`+"\n", 10)
	// grid every 0.5×, with the floor line at 1×
	for x := 0.0; x <= maxR+1e-9; x += 0.5 {
		px := left + int(x*scale)
		stroke := "#e0e0e0"
		if x == 1 {
			stroke = "#616161"
		}
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`+"\n", px, top-8, px, height-20, stroke)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#616161">%.1f×</text>`+"\n", px, top-14, x)
	}
	y := top
	for _, alg := range algs {
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+barH-2, alg)
		for _, r := range chartRows {
			v := ratio("BenchmarkVerify/"+alg+"/"+r.bench, "BenchmarkVerify/"+alg+"/floor")
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-6, y+barH-3, r.label)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", left, y, int(v*scale), barH, r.color)
			fmt.Fprintf(&b, `<text x="%d" y="%d">%.2f×</text>`+"\n", left+int(v*scale)+4, y+barH-3, v)
			y += barH + gap
		}
		y += groupGap
	}
	b.WriteString("</svg>\n")
	return b.String()
}
