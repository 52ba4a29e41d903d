#!/usr/bin/env bash
# Ensure the pinned Python packages of scripts/python-requirements.txt are installed.
# Uses the interpreter of scripts/python.sh ($PYTHON, else the deps/python venv). Fast
# no-op when already satisfied. A consumer install (no test/ directory) needs
# tensorflow-cpu only, for its libtensorflow.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQ="$ROOT/scripts/python-requirements.txt"
if [[ ! -d "$ROOT/test" ]]; then
  CONSUMER_REQ="$(mktemp "${TMPDIR:-/tmp}/tfsrp-requirements.XXXXXX")"
  trap 'rm -f "$CONSUMER_REQ"' EXIT
  grep '^tensorflow-cpu==' "$REQ" > "$CONSUMER_REQ"
  REQ="$CONSUMER_REQ"
fi
PY="$(bash "$ROOT/scripts/python.sh")"
log() { echo "[tfserving-remote-predict] $*" >&2; }

command -v "$PY" >/dev/null 2>&1 || { log "Python interpreter '$PY' not found (set PYTHON=...)"; exit 1; }

# Prints the unsatisfied requirements (one per line); reads metadata only, imports nothing heavy.
check() {
  "$PY" - "$REQ" <<'PYEOF'
import sys, importlib.metadata as md
for line in open(sys.argv[1]):
    line = line.split('#', 1)[0].strip()
    if not line:
        continue
    name, want = line.split('==')
    try:
        have = md.version(name)
    except md.PackageNotFoundError:
        have = None
    if have != want:
        print(f"{line} (installed: {have or 'none'})")
PYEOF
}

missing="$(check)"
[ -z "$missing" ] && exit 0

log "Python packages missing or at the wrong version for $PY:"
while IFS= read -r l; do log "  $l"; done <<<"$missing"
if ! "$PY" -m pip --version >/dev/null 2>&1; then
  log "pip is not available for $PY; install it (e.g. '$PY -m ensurepip' or 'apt-get install python3-pip') and re-run, or run: $PY -m pip install -r $REQ"
  exit 1
fi
log "installing: $PY -m pip install --retries 0 -r $REQ"
PIP_RETRIES=0 "$PY" -m pip install --retries 0 --disable-pip-version-check -r "$REQ" >&2

missing="$(check)"
if [ -n "$missing" ]; then
  log "still unsatisfied after pip install:"; while IFS= read -r l; do log "  $l"; done <<<"$missing"
  exit 1
fi
log "Python packages OK"
