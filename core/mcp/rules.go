package mcp

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// JSON-RPC methods whose params name the operation (MCP 2025-06-18).
const (
	MethodCallTool     = "tools/call"     // params.name: the tool
	MethodGetPrompt    = "prompts/get"    // params.name: the prompt
	MethodReadResource = "resources/read" // params.uri: the resource
)

// Rules says which scopes each MCP operation needs. Every scope is an RFC
// 6749 §3.3 scope-token; the scopes of one message are all required (all
// of, never any of).
//
// A message needs the scopes of its method: Methods[method] when the
// method has an entry, else Default. A tools/call needs in addition the
// scopes of its tool, a prompts/get those of its prompt, and a
// resources/read those of every entry of Resources its URI matches.
//
// Unknown operations are refused, never let through on less: a tools/call
// naming a tool that has no entry in Tools, a prompts/get naming a prompt
// not in Prompts, and a resources/read whose URI matches no entry of
// Resources are denied (403 insufficient_scope, without a scope list, as no
// scope grants them). List every tool, prompt and resource the server
// offers, with nil scopes for those that need only the method's. A method
// without an entry in Methods (initialize, ping, the list methods,
// notifications, responses to the server's requests, which have no method)
// needs Default: nil means a valid token only.
type Rules struct {
	// Default are the scopes of a method without an entry in Methods, of
	// JSON-RPC responses, and of requests other than POST (the GET that
	// opens a server-to-client stream, the DELETE that ends a session).
	// Default: none (a valid token).
	Default []string
	// Methods maps a JSON-RPC method name (exact, case-sensitive) to its
	// scopes, in place of Default.
	Methods map[string][]string
	// Tools maps a tool name (exact, case-sensitive) to the scopes a
	// tools/call of it needs beyond the method's.
	Tools map[string][]string
	// Resources maps a resource URI, or an RFC 6570 level-1 URI template
	// such as notes://{id}, to the scopes a resources/read of it needs
	// beyond the method's. A URI matches a template when it is the
	// template with each {var} replaced by a run, possibly empty, of
	// unreserved characters (ALPHA, DIGIT, "-", ".", "_", "~") and
	// percent-encoded octets, the characters RFC 6570 §3.2.2 simple string
	// expansion produces; the rest of the template must match exactly,
	// letter case included. A URI without braces is matched exactly. When
	// several entries match, the URI needs the scopes of all of them.
	Resources map[string][]string
	// Prompts maps a prompt name (exact, case-sensitive) to the scopes a
	// prompts/get of it needs beyond the method's.
	Prompts map[string][]string
	// MaxBodyBytes caps the request body Middleware reads; a larger body
	// is answered 413. Default (0): DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// DefaultMaxBodyBytes is the default Rules.MaxBodyBytes: 4 MiB, room for
// tool arguments and sampling results with images, while bounding the
// memory one request costs.
const DefaultMaxBodyBytes = 4 << 20

// Authorizer is a checked, immutable copy of Rules, safe for concurrent
// use. Build it with New.
type Authorizer struct {
	fallback  []string
	methods   map[string][]string
	tools     map[string][]string
	prompts   map[string][]string
	exact     map[string][]string // resource URIs without braces
	templates []template
	maxBody   int64
	supported []string
}

// template is one compiled resource URI template.
type template struct {
	re     *regexp.Regexp
	scopes []string
}

// New checks r and returns its Authorizer. The error matches
// core.ErrConfig and names the first fault it found:
// a scope that is not an RFC 6749 §3.3 scope-token (empty, or with a
// space, a double quote, a backslash, a control or non-ASCII byte), a
// template with unbalanced braces, an empty or operator expression
// ({+var}, {#var}, ... beyond level 1) or a variable name outside RFC 6570
// varchar, and a negative MaxBodyBytes.
func New(r Rules) (*Authorizer, error) {
	a := &Authorizer{maxBody: r.MaxBodyBytes, exact: map[string][]string{}}
	if a.maxBody < 0 {
		return nil, configError("MaxBodyBytes %d is negative", a.maxBody)
	}
	if a.maxBody == 0 {
		a.maxBody = DefaultMaxBodyBytes
	}
	var err error
	if a.fallback, err = checkScopes("Default", r.Default); err != nil {
		return nil, err
	}
	for _, t := range []struct {
		field string
		in    map[string][]string
		out   *map[string][]string
	}{{"Methods", r.Methods, &a.methods}, {"Tools", r.Tools, &a.tools}, {"Prompts", r.Prompts, &a.prompts}} {
		if *t.out, err = checkTable(t.field, t.in); err != nil {
			return nil, err
		}
	}
	if err := a.compileResources(r.Resources); err != nil {
		return nil, err
	}
	a.supported = supported(r)
	return a, nil
}

// ScopesSupported returns every scope the rules name, sorted, without
// repeats: the scopes_supported of the resource's RFC 9728 metadata.
func (a *Authorizer) ScopesSupported() []string { return slices.Clone(a.supported) }

func supported(r Rules) []string {
	all := slices.Clone(r.Default)
	for _, m := range []map[string][]string{r.Methods, r.Tools, r.Resources, r.Prompts} {
		for _, s := range m {
			all = append(all, s...)
		}
	}
	slices.Sort(all)
	return slices.Compact(all)
}

func checkTable(field string, in map[string][]string) (map[string][]string, error) {
	out := make(map[string][]string, len(in))
	for _, name := range slices.Sorted(maps.Keys(in)) {
		s, err := checkScopes(fmt.Sprintf("%s[%q]", field, name), in[name])
		if err != nil {
			return nil, err
		}
		out[name] = s
	}
	return out, nil
}

// checkScopes returns a copy of scopes after checking each one against
// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
func checkScopes(field string, scopes []string) ([]string, error) {
	for _, s := range scopes {
		if !scopeToken(s) {
			return nil, configError("%s: scope %q is not an RFC 6749 §3.3 scope-token", field, s)
		}
	}
	return slices.Clone(scopes), nil
}

func scopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func (a *Authorizer) compileResources(in map[string][]string) error {
	for _, uri := range slices.Sorted(maps.Keys(in)) {
		field := fmt.Sprintf("Resources[%q]", uri)
		scopes, err := checkScopes(field, in[uri])
		if err != nil {
			return err
		}
		if !strings.ContainsAny(uri, "{}") {
			a.exact[uri] = scopes
			continue
		}
		re, err := compileTemplate(uri)
		if err != nil {
			return configError("%s: %v", field, err)
		}
		a.templates = append(a.templates, template{re: re, scopes: scopes})
	}
	return nil
}

// varValue is what RFC 6570 simple string expansion can produce for one
// variable: unreserved characters and percent-encoded octets.
const varValue = `(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})*`

// compileTemplate turns an RFC 6570 level-1 template into an anchored
// regular expression (see Rules.Resources).
func compileTemplate(t string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`\A`)
	for rest := t; rest != ""; {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		if rest[open] == '}' {
			return nil, fmt.Errorf("unbalanced '}'")
		}
		b.WriteString(regexp.QuoteMeta(rest[:open]))
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("unbalanced '{'")
		}
		if name := rest[open+1 : open+end]; !varName(name) {
			return nil, fmt.Errorf("expression {%s}: want a level-1 {name} (RFC 6570 §2.3 varchar)", name)
		}
		b.WriteString(varValue)
		rest = rest[open+end+1:]
	}
	b.WriteString(`\z`)
	return regexp.Compile(b.String())
}

// varName reports whether s is an RFC 6570 §2.3 varname without the
// dotted and percent-encoded forms: letters, digits and '_'.
func varName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
