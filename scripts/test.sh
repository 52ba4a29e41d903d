#!/usr/bin/env bash
# npm test: the C++ tests (ctest), the Python tests, then mocha.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/generate-python-protos.sh
"$(bash scripts/python.sh)" scripts/generate_fixtures.py
ctest --test-dir build --output-on-failure
bash test/python/run_python_tests.sh
npx mocha
