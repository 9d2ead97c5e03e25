#!/usr/bin/env bash
# run.sh is `make interop`: it prepares Ory Hydra (scripts/hydra.sh) and
# node oidc-provider (scripts/node.sh), then vets and runs the interop tests
# with -race. Extra arguments go to `go test` (for example -run TestHydra).
# AXIOMS_INTEROP=1 makes every missing prerequisite a failure, never a skip.
set -euo pipefail

interop=$(cd "$(dirname "$0")/.." && pwd)
export GOWORK=off # the interop module is not in go.work; its go.mod replaces the local modules

start=$SECONDS
HYDRA_BIN=$("$interop/scripts/hydra.sh")
OIDC_PROVIDER_DIR=$("$interop/scripts/node.sh")
export HYDRA_BIN OIDC_PROVIDER_DIR AXIOMS_INTEROP=1
echo "run.sh: servers prepared in $((SECONDS - start))s" >&2

cd "$interop"
go vet ./...
# The verbose log is kept: on success it is summed up (each test's result and
# the revocation and key-rotation timings it logged), on failure printed
# without the lines of passing subtests.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if go test -race -count=1 -v "$@" ./... >"$log" 2>&1; then
	awk '/^=== NAME/ { name = $3; next }
		/^(--- |ok |PASS$)/ { print; next }
		/: .*(revoked .* after|accepted after)/ { if (name != shown) { print "=== " name; shown = name }; print }' "$log"
else
	grep -vE '^ *(=== (RUN|PAUSE|CONT)|--- PASS)' "$log"
	exit 1
fi
echo "run.sh: interop done in $((SECONDS - start))s" >&2
