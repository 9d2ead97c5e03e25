#!/usr/bin/env bash
# hydra.sh prints the path of an Ory Hydra binary, building it first when
# it is not cached yet. The version is the one tools/go.mod pins; the binary
# is cached by version outside the repository, in
# ${AXIOMS_INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/axioms-interop}/hydra-<version>,
# so a later run (or another clone) reuses it. A cold build takes about
# three minutes on two cores; everything comes from the Go module proxy.
#
# Build facts (see docs/providers.md, "Interop tests"): cgo and the tags
# sqlite,sqlite_omit_load_extension are needed for DSN=memory.
set -euo pipefail

interop=$(cd "$(dirname "$0")/.." && pwd)
tools=$interop/tools
export GOWORK=off # the tools module is not part of the workspace

version=$(cd "$tools" && go list -m -f '{{.Version}}' github.com/ory/hydra/v2)
cache=${AXIOMS_INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/axioms-interop}
bin=$cache/hydra-$version

if [[ -x $bin ]]; then
	echo "hydra.sh: using cached $bin" >&2
	echo "$bin"
	exit 0
fi

if ! command -v "$(go env CC)" >/dev/null; then
	echo "hydra.sh: Hydra needs cgo and no C compiler was found ($(go env CC));" \
		"on Debian: apt-get install -y gcc libc6-dev" >&2
	exit 1
fi

echo "hydra.sh: building Ory Hydra $version into $bin (about 3 minutes cold)" >&2
mkdir -p "$cache"
tmp=$(mktemp "$bin.tmp.XXXXXX")
trap 'rm -f "$tmp"' EXIT
start=$SECONDS
(cd "$tools" && CGO_ENABLED=1 go build -mod=readonly -trimpath \
	-tags sqlite,sqlite_omit_load_extension -o "$tmp" github.com/ory/hydra/v2)
mv -f "$tmp" "$bin" # atomic: a concurrent run sees the old state or the whole binary
trap - EXIT
echo "hydra.sh: built in $((SECONDS - start))s" >&2
echo "$bin"
