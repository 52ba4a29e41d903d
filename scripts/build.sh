#!/usr/bin/env bash
# Builds the transport, the op library, the addon and the C++ tests (cmake-js,
# incremental), then the TypeScript layer.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
npx cmake-js build --parallel "${TFSRP_BUILD_JOBS:-$(nproc)}" --log-level warn
npx tsc -p tsconfig.json
chmod +x dist/cli.js
