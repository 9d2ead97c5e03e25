package mcp

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/core/internal/strictjson"
)

var (
	// ErrInvalidBody: the request body is not one JSON-RPC message or a
	// non-empty batch of them that every JSON reader takes the same way
	// (see the package documentation), or it lacks what the scope check
	// needs (a string method; for tools/call and prompts/get a params
	// object with a string name, for resources/read one with a string
	// uri). It matches core.ErrInvalidRequest: the answer is 400
	// invalid_request.
	ErrInvalidBody = fmt.Errorf("%w: mcp: invalid JSON-RPC body", core.ErrInvalidRequest)
	// ErrUnknownOperation: the body calls a tool, gets a prompt or reads a
	// resource that Rules do not list. It matches core.ErrInsufficientScope:
	// the answer is 403 insufficient_scope, without a scope list.
	ErrUnknownOperation = fmt.Errorf("%w: mcp: operation not in the rules", core.ErrInsufficientScope)
)

// Member names of a JSON-RPC message and of the params MCP reads.
var (
	messageNames = []string{"jsonrpc", "id", "method", "params", "result", "error"}
	paramsNames  = []string{"name", "uri", "arguments", "_meta"}
)

// need is what one body requires: all of scopes, and nothing can grant it
// when unknown is set.
type need struct {
	scopes  []string
	unknown bool
}

// Scopes returns the scopes the JSON-RPC body needs, all of them, in the
// order the rules name them, without repeats (none: a valid token). The
// error is ErrInvalidBody for a body Middleware answers 400, and
// ErrUnknownOperation for one it answers 403.
func (a *Authorizer) Scopes(body []byte) ([]string, error) {
	n, err := a.need(body)
	if err == nil && n.unknown {
		err = ErrUnknownOperation
	}
	return n.scopes, err
}

// Policy returns the policy of the JSON-RPC body, for frameworks without a
// Middleware here: read the body (with a cap), call Policy, answer an error
// as the framework's adapter answers any core error (400 for
// ErrInvalidBody), and enforce the policy with the adapter's Authorize,
// then hand the same bytes to the MCP server. The policy needs a valid
// token and every scope of Scopes (core.AllScopes, so that a 403 names
// them all in one challenge); for an operation the rules do not list it
// denies every token with ErrUnknownOperation.
func (a *Authorizer) Policy(body []byte) (core.Policy, error) {
	n, err := a.need(body)
	if err != nil {
		return nil, err
	}
	return policyOf(n), nil
}

// denyUnknown refuses every request: 401 without a token, 403 with one.
var denyUnknown = core.PolicyFunc(func(_ string, c *core.Claims) error {
	if c == nil {
		return core.ErrNoCredentials
	}
	return ErrUnknownOperation
})

// need parses body strictly and adds up the needs of its messages.
func (a *Authorizer) need(body []byte) (need, error) {
	v, err := strictjson.Parse(string(body))
	if err != nil || !foldUnique(v) {
		return need{}, ErrInvalidBody
	}
	msgs := []strictjson.Value{v}
	if v.Kind() == strictjson.Array {
		msgs = v.Arr()
	}
	if len(msgs) == 0 {
		return need{}, ErrInvalidBody
	}
	var n need
	for _, m := range msgs {
		if err := a.addMessage(&n, m); err != nil {
			return need{}, err
		}
	}
	return n, nil
}

// addMessage adds the needs of one JSON-RPC message to n.
func (a *Authorizer) addMessage(n *need, m strictjson.Value) error {
	if m.Kind() != strictjson.Object || !exactNames(m, messageNames) {
		return ErrInvalidBody
	}
	mv, ok := m.Get("method")
	if !ok { // a response to a request of the server
		n.add(a.fallback)
		return nil
	}
	if mv.Kind() != strictjson.String {
		return ErrInvalidBody
	}
	method := mv.Str()
	if s, ok := a.methods[method]; ok {
		n.add(s)
	} else {
		n.add(a.fallback)
	}
	switch method {
	case MethodCallTool:
		return n.lookup(m, "name", a.tools)
	case MethodGetPrompt:
		return n.lookup(m, "name", a.prompts)
	case MethodReadResource:
		uri, err := param(m, "uri")
		if err != nil {
			return err
		}
		a.addResource(n, uri)
	}
	return nil
}

// lookup adds the scopes table gives to m's string params.<field>.
func (n *need) lookup(m strictjson.Value, field string, table map[string][]string) error {
	name, err := param(m, field)
	if err != nil {
		return err
	}
	s, ok := table[name]
	n.unknown = n.unknown || !ok
	n.add(s)
	return nil
}

// addResource adds the scopes of every resource rule uri matches.
func (a *Authorizer) addResource(n *need, uri string) {
	s, found := a.exact[uri]
	n.add(s)
	for _, t := range a.templates {
		if t.re.MatchString(uri) {
			found = true
			n.add(t.scopes)
		}
	}
	n.unknown = n.unknown || !found
}

// param returns the string member field of m's params object.
func param(m strictjson.Value, field string) (string, error) {
	p, ok := m.Get("params")
	if !ok || p.Kind() != strictjson.Object || !exactNames(*p, paramsNames) {
		return "", ErrInvalidBody
	}
	v, ok := p.Get(field)
	if !ok || v.Kind() != strictjson.String {
		return "", ErrInvalidBody
	}
	return v.Str(), nil
}

func (n *need) add(scopes []string) {
	for _, s := range scopes {
		if !contains(n.scopes, s) {
			n.scopes = append(n.scopes, s)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// exactNames reports whether no member name of object o is a letter-case
// variant of one of names (such as "Method" for "method"), which a
// case-insensitive reader would take for it.
func exactNames(o strictjson.Value, names []string) bool {
	for _, m := range o.Obj() {
		for _, name := range names {
			if m.Key != name && strings.EqualFold(m.Key, name) {
				return false
			}
		}
	}
	return true
}

// foldLinearLimit is the member count up to which foldUnique compares the
// names of an object pairwise; larger objects use a map.
const foldLinearLimit = 16

// foldUnique reports whether no object in v has two member names that
// differ only in letter case (Unicode simple folding, as strings.EqualFold
// and encoding/json compare them). Exact repeats are refused by the parser.
func foldUnique(v strictjson.Value) bool {
	switch v.Kind() {
	case strictjson.Array:
		for _, e := range v.Arr() {
			if !foldUnique(e) {
				return false
			}
		}
	case strictjson.Object:
		members := v.Obj()
		if !distinctFolded(members) {
			return false
		}
		for _, m := range members {
			if !foldUnique(m.Value) {
				return false
			}
		}
	}
	return true
}

func distinctFolded(members []strictjson.Member) bool {
	if len(members) <= foldLinearLimit {
		for i := range members {
			for j := range i {
				if strings.EqualFold(members[i].Key, members[j].Key) {
					return false
				}
			}
		}
		return true
	}
	seen := make(map[string]struct{}, len(members))
	for _, m := range members {
		k := fold(m.Key)
		if _, dup := seen[k]; dup {
			return false
		}
		seen[k] = struct{}{}
	}
	return true
}

// fold maps s to a form equal for exactly the strings strings.EqualFold
// deems equal: every rune to the upper case of its lower case.
func fold(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToUpper(unicode.ToLower(r)) }, s)
}

// configError is an error matching core.ErrConfig.
func configError(format string, args ...any) error {
	return fmt.Errorf("%w: mcp: %s", core.ErrConfig, fmt.Sprintf(format, args...))
}
