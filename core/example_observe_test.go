package core_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/axiomsgo/axioms/authtest"
	"github.com/axiomsgo/axioms/core"
)

// An Observer sees one decision per request; package otelauth turns the
// same events into OpenTelemetry metrics and spans.
func ExampleObserver() {
	iss, err := authtest.NewIssuer()
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()
	cfg := iss.Config()
	cfg.Observer = &core.Observer{Decision: func(_ context.Context, d core.Decision) {
		fmt.Println(strings.TrimSpace(d.Outcome + " " + d.Reason))
	}}
	v, err := core.NewVerifier(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	g := core.NewGuard(v, core.GuardOptions{})

	// What an adapter's middleware does for each request.
	_, _ = g.Authenticate(context.Background(), "GET", core.Credentials{})
	token, err := iss.Token("alice")
	if err != nil {
		log.Fatal(err)
	}
	ctx, err := g.Authenticate(context.Background(), "GET", core.Credentials{Authorization: []string{"Bearer " + token}})
	if err == nil {
		_ = g.Authorize(ctx, "GET", core.AnyRole("admin")) // Require(core.AnyRole("admin"))
		g.Done(ctx)                                        // once the handlers have returned
	}
	ctx, _ = g.Authenticate(context.Background(), "GET", core.Credentials{Authorization: []string{"Bearer " + token}})
	g.Done(ctx)
	// Output:
	// no_credentials authentication required
	// insufficient_scope insufficient role
	// allowed
}
