package core

import (
	"slices"
	"strings"
)

// notRead are AXIOMS_* variables that other axioms packages, or later
// versions of this one, read, with why this library ignores them.
var notRead = map[string]string{
	"AXIOMS_SAFE_METHODS":  "an axioms Python setting: set Config.SafeMethods in code",
	"AXIOMS_JWKS_PREFETCH": "an axioms Python setting: a single issuer's key set is always fetched at start",
}

// maxNameLen bounds the variable names a warning quotes.
const maxNameLen = 64

// setting is a variable ConfigFromEnv does not read, and why.
type setting struct{ name, why string }

// unknownSettings lists the AXIOMS_* variables of environ (KEY=value
// entries) that ConfigFromEnv does not read, in environ's order: those it
// knows of but ignores, and typos, with the nearest variable it reads.
func unknownSettings(environ []string) []setting {
	known := make([]string, 0, len(settingOf)+1)
	for _, name := range settingOf {
		known = append(known, name)
	}
	known = append(known, envDomain, envDPoPReplayRedis)
	slices.Sort(known)
	var out []setting
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "AXIOMS_") || slices.Contains(known, name) {
			continue
		}
		if len(name) > maxNameLen {
			name = name[:maxNameLen] + "..."
		}
		why, ok := notRead[name]
		if !ok {
			why = "not a setting of this library"
			if near := nearest(name, known); near != "" {
				why += "; did you mean " + near + "?"
			}
		}
		out = append(out, setting{name, why})
	}
	return out
}

// nearest returns the name of known that name most likely misspells: one
// it extends (AXIOMS_LEEWAY_SECONDS), else the closest by edit distance
// when that is at most a third of name's length; "" when none is.
func nearest(name string, known []string) string {
	best, bestDist := "", len(name)/3+1
	for _, k := range known {
		if strings.HasPrefix(name, k+"_") {
			return k
		}
	}
	for _, k := range known {
		if d := editDistance(name, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
