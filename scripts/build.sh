#!/usr/bin/env bash
# Builds the transport, the op library, the addon and (in the repository) the
# C++ tests with cmake-js, incrementally, then the TypeScript layer. A package
# installed from npm ships dist/ already compiled (npm pack runs `prepack`) and
# has neither lib/ nor test/: it builds the native products only.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
npx cmake-js build --parallel "${TFSRP_BUILD_JOBS:-$(nproc)}" --log-level warn
if [[ -d lib ]]; then
  npx tsc -p tsconfig.json
  chmod +x dist/cli/main.js
fi
