package core_test

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/axiomsgo/axioms/core"
)

func ExampleConfigFromLookup() {
	env := map[string]string{
		"AXIOMS_AUDIENCE": "https://api.example.com",
		"AXIOMS_DOMAIN":   "https://tenant.auth0.com/",
		"AXIOMS_LEEWAY":   "30",
	}
	lookup := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}

	cfg, err := core.ConfigFromLookup(lookup) // core.ConfigFromEnv() reads os.LookupEnv
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("audiences:", cfg.Audiences)
	fmt.Println("issuer:", cfg.Issuer)
	fmt.Println("leeway:", cfg.Leeway)

	// A bad setting is an error naming the variable and the Config field.
	env["AXIOMS_LEEWAY"] = "3600"
	_, err = core.ConfigFromLookup(lookup)
	fmt.Println(err)
	fmt.Println(errors.Is(err, core.ErrConfig))
	// Output:
	// audiences: [https://api.example.com]
	// issuer: https://tenant.auth0.com
	// leeway: 30s
	// core: config: AXIOMS_LEEWAY (Config.Leeway): 1h is out of range: must be between 0 and 5m
	// true
}

// A typo in a variable name is named at start, with the variable meant;
// ConfigFromEnv does this for the process's environment.
func ExampleWarnUnknownEnv() {
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime}))
	core.WarnUnknownEnv(logger, []string{"AXIOMS_AUDIENCE=api", "AXIOMS_ROLE_CLAIMS=groups"})
	// Output:
	// level=WARN msg="axioms: environment variable not read" variable=AXIOMS_ROLE_CLAIMS why="not a setting of this library; did you mean AXIOMS_ROLES_CLAIMS?"
}
