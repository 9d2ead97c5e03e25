package server

import (
	"cmp"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/axiomsgo/axioms/core"
	"github.com/axiomsgo/axioms/redisreplay"
)

// EnvReplayRedis names the Redis that replicas share their seen DPoP
// proofs in: redis://[user:password@]host:port/db, or rediss:// for TLS.
const EnvReplayRedis = "AXIOMS_DPOP_REPLAY_REDIS"

// senderConstraint applies what the example servers read for DPoP
// (behaviour.md §7) beyond core.ConfigFromEnv, which reads AXIOMS_DPOP and
// AXIOMS_DPOP_NONCE: with DPoP allowed or required, PUBLIC_URL (when set)
// is the base URL every proof's htu must name, and AXIOMS_DPOP_REPLAY_REDIS
// (when set) puts the seen proofs in that Redis, so that a proof accepted
// by one replica is refused by every other; Close closes its client. With
// DPoP off both are unused, and a set AXIOMS_DPOP_REPLAY_REDIS is named in
// a warning, as core.WarnUnknownEnv names a variable no one reads. A bad
// URL is an error naming the variable; it never shows the URL's password.
func (a *App) senderConstraint(cfg *core.Config) error {
	redisURL := strings.TrimSpace(os.Getenv(EnvReplayRedis))
	if cfg.DPoP.Mode == core.DPoPOff {
		if redisURL != "" {
			slog.Warn("axioms: environment variable not read", "variable", EnvReplayRedis,
				"why", "AXIOMS_DPOP is off: no DPoP proof is checked")
		}
		return nil
	}
	cfg.DPoP.PublicURL = cmp.Or(cfg.DPoP.PublicURL, strings.TrimSpace(os.Getenv("PUBLIC_URL")))
	if redisURL == "" {
		return nil
	}
	store, err := redisreplay.FromURL(redisURL)
	if err != nil {
		return fmt.Errorf("%s: %w", EnvReplayRedis, err)
	}
	a.replay = store
	cfg.DPoP.ReplayStore = store
	return nil
}
