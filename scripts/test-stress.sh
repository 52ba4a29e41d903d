#!/usr/bin/env bash
# npm run test:stress: the long randomized runs that npm test keeps short.
#   - 14,000 seeded hostile responses (npm test: 4,000), 256 in flight, RSS flat
#   - 36 rounds of a worker thread ending with 24 × 4 MiB calls in flight (npm test: 12)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
HOSTILE_CASES="${HOSTILE_CASES:-14000}" INPUT_CAPTURE_ROUNDS="${INPUT_CAPTURE_ROUNDS:-36}" \
  npx mocha --no-config --timeout 900000 test/hostile_responses.test.js test/input_capture.test.js
