#!/usr/bin/env bash
# node.sh installs node oidc-provider, the TypeScript MCP SDK
# (@modelcontextprotocol/sdk, for the MCP client of mcp-client.mjs) and
# panva's dpop (for the DPoP client of dpop-client.mjs) into
# interop/node from the committed package-lock.json with `npm ci` (npm
# registry only, about 20 s and 31 MB cold) and prints that directory. A
# later run whose node_modules was installed from the same lockfile skips
# npm entirely.
set -euo pipefail

dir=$(cd "$(dirname "$0")/../node" && pwd)

if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 18) ? 0 : 1)' 2>/dev/null; then
	echo "node.sh: node oidc-provider 9 needs Node.js >= 20.18 on PATH (found: $(node --version 2>/dev/null || echo none))" >&2
	exit 1
fi

stamp=$dir/node_modules/.axioms-interop-lock.sha256
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [[ -f $stamp && $(<"$stamp") == "$want" ]]; then
	echo "node.sh: node_modules already installed from package-lock.json" >&2
else
	echo "node.sh: npm ci in $dir" >&2
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
	echo "$want" >"$stamp"
fi
echo "$dir"
