#!/usr/bin/env bash
# Runs every unittest module in test/python; non-zero exit on any failure or error.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
"$root/scripts/generate-python-protos.sh"
exec "$(bash "$root/scripts/python.sh")" -m unittest discover -s test/python -p 'test_*.py' -t test/python -v "$@"
