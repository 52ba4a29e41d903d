#!/usr/bin/env bash
# Prints the Python interpreter every script and test uses: $PYTHON when set,
# else this package's own venv deps/python (created on first use). The venv
# sees the system's site-packages, so a TensorFlow already installed there is
# used as it is; anything missing is pip-installed into the venv, which works
# with a stock Debian python3 (PEP 668 refuses system-wide installs). Only the
# standard library's venv module is needed (--without-pip: pip comes from the
# system's site-packages, e.g. Debian's python3-pip).
set -euo pipefail
if [[ -n "${PYTHON:-}" ]]; then
  echo "$PYTHON"
  exit 0
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/deps/python"
if [[ ! -x "$venv/bin/python" ]]; then
  base="$(command -v python3 || true)"
  [[ -n "$base" ]] || { echo "[tfserving-remote-predict] python3 not found: install it (Debian: apt-get install python3 python3-pip) or set PYTHON" >&2; exit 1; }
  mkdir -p "$root/deps"
  "$base" -m venv --system-site-packages --without-pip "$venv" >&2
fi
echo "$venv/bin/python"
