#!/usr/bin/env bash
# npm install: provisions build dependencies and libtensorflow, builds
# everything, and prepares the test fixtures. Re-running with nothing changed
# only confirms that and takes seconds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/provision-debian-deps.sh
bash scripts/provision-python.sh
bash scripts/provision-libtensorflow.sh
bash scripts/build.sh
if [[ -d test ]]; then
  bash scripts/generate-python-protos.sh
  "$(bash scripts/python.sh)" scripts/generate_fixtures.py
fi
