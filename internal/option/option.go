// Package option applies the functional options of the adapters alike,
// and builds their core.Guard.
package option

import (
	"context"

	"github.com/axiomsgo/axioms/core"
)

// Apply returns a zero C with every non-nil option of opts applied, in
// order: a nil option is ignored, in every adapter.
func Apply[C any, O ~func(*C)](opts []O) C {
	var c C
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// NewGuard builds the core.Guard of an adapter's middleware m from the
// GuardOptions its options filled, with m as the Guard's Adapter value.
func NewGuard(v *core.Verifier, o core.GuardOptions, m any) *core.Guard {
	o.Adapter = m
	return core.NewGuard(v, o)
}

// Of returns the Guard of the Middleware the request with context ctx
// passed through, and that Middleware (the Guard's Adapter value, of type
// *M); both are nil when none did. Guard's methods accept a nil Guard.
func Of[M any](ctx context.Context) (*core.Guard, *M) {
	g := core.GuardFromContext(ctx)
	m, _ := g.Adapter().(*M)
	return g, m
}
