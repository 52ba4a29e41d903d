#!/usr/bin/env bash
# npm run bench: builds the benchmark's C++ echo server and C++ client (their
# own cmake build in bench/.build, never build/), then runs bench/run.js.
# Arguments go to bench/run.js: --smoke for the ~20 s run that npm test uses,
# --out DIR, --duration MS, --clients a,b, --payloads N,M, --concurrency N,M.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${TFSRP_BENCH_BUILD_DIR:-$root/bench/.build}"
export TFSRP_BENCH_BUILD_DIR="$build"

for f in dist/index.js build/Release/tfserving_remote_predict.node; do
  if [[ ! -e "$f" ]]; then
    echo "[bench] $f is missing: run npm install (or npm run build) first" >&2
    exit 1
  fi
done

generator=()
if [[ ! -f "$build/CMakeCache.txt" ]] && command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S bench -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release --log-level=WARNING >&2
fi
cmake --build "$build" --parallel "$(nproc)" >&2

exec node bench/run.js "$@"
