#!/usr/bin/env bash
# Stage libtensorflow 2.21 into deps/libtensorflow/{include/,lib/,VERSION}.
# Source: $LIBTENSORFLOW_DIR (symlinked; include/ + the two libs in lib/ or at its top,
# i.e. also the pip package layout), else the installed tensorflow-cpu pip package
# (hardlinked or copied, so the runtime does not depend on the Python install).
# Honours $PYTHON (default python3). Run scripts/provision-python.sh first for case (b).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/deps/libtensorflow"
PY="$(bash "$ROOT/scripts/python.sh")"
WANT="2.21"
LIBS="libtensorflow_framework.so.2 libtensorflow_cc.so.2"
log() { echo "[tfserving-remote-predict] $*" >&2; }
die() { log "$*"; exit 1; }

if [ -n "${LIBTENSORFLOW_DIR:-}" ]; then
  [ -d "$LIBTENSORFLOW_DIR" ] || die "LIBTENSORFLOW_DIR=$LIBTENSORFLOW_DIR is not a directory"
  SRC="$(cd "$LIBTENSORFLOW_DIR" && pwd -P)"; MODE=link; PKGVER=""
  [ "$SRC" != "$(cd "$DEST" 2>/dev/null && pwd -P)" ] || die "LIBTENSORFLOW_DIR must not be $DEST itself"
  where="LIBTENSORFLOW_DIR=$SRC"
else
  read -r PKGVER SRC < <("$PY" - <<'PYEOF' 2>/dev/null || true
import importlib.util, importlib.metadata as md
spec = importlib.util.find_spec('tensorflow')   # locates the package, does not import it
ver = None
for dist in ('tensorflow-cpu', 'tensorflow'):
    try: ver = md.version(dist); break
    except md.PackageNotFoundError: pass
if spec and spec.submodule_search_locations and ver:
    print(ver, list(spec.submodule_search_locations)[0])
PYEOF
  ) || true
  [ -n "${SRC:-}" ] || die "no tensorflow Python package found for '$PY'; run scripts/provision-python.sh or set LIBTENSORFLOW_DIR"
  case "$PKGVER" in "$WANT".*) ;; *) die "installed tensorflow is $PKGVER at $SRC, need $WANT.x; run scripts/provision-python.sh" ;; esac
  MODE=copy; where="pip package $SRC"
fi

# Validate the source layout; name everything that is missing.
missing=(); declare -A LIB
for f in include/tensorflow/c/c_api.h include/tensorflow/core/public/release_version.h; do
  [ -f "$SRC/$f" ] || missing+=("$f")
done
for l in $LIBS; do
  if [ -f "$SRC/lib/$l" ]; then LIB[$l]="$SRC/lib/$l"
  elif [ -f "$SRC/$l" ]; then LIB[$l]="$SRC/$l"
  else missing+=("lib/$l (or $l)"); fi
done
[ ${#missing[@]} -eq 0 ] || die "$where is not a usable libtensorflow dir; missing: ${missing[*]}"

# Fast path: same source, same libs, staged tree intact.
KEY="mode=$MODE src=$SRC pkg=$PKGVER"
for l in $LIBS; do KEY+=" $l=$(stat -L -c '%s:%Y' "${LIB[$l]}")"; done
if [ "$(cat "$DEST/.stamp" 2>/dev/null)" = "$KEY" ] && [ -f "$DEST/include/tensorflow/c/c_api.h" ] \
   && [ -f "$DEST/lib/libtensorflow_framework.so.2" ] && [ -f "$DEST/lib/libtensorflow_cc.so.2" ]; then
  exit 0
fi

# Version: pip metadata, else pre-2.20 release_version.h defines, else a VERSION file, else TF_Version().
VER="$PKGVER"
if [ -z "$VER" ]; then
  h="$SRC/include/tensorflow/core/public/release_version.h"
  d() { sed -n "s/^#define $1 \([0-9]*\).*/\1/p" "$h"; }
  if [ -n "$(d TF_MAJOR_VERSION)" ]; then VER="$(d TF_MAJOR_VERSION).$(d TF_MINOR_VERSION).$(d TF_PATCH_VERSION)"
  elif [ -f "$SRC/VERSION" ]; then VER="$(head -n1 "$SRC/VERSION" | tr -d '[:space:]')"
  else
    VER="$(TF_CPP_MIN_LOG_LEVEL=3 "$PY" -c '
import ctypes, sys
ctypes.CDLL(sys.argv[1], mode=ctypes.RTLD_GLOBAL)
cc = ctypes.CDLL(sys.argv[2]); cc.TF_Version.restype = ctypes.c_char_p
print(cc.TF_Version().decode())' "${LIB[libtensorflow_framework.so.2]}" "${LIB[libtensorflow_cc.so.2]}" 2>/dev/null)" \
      || die "cannot determine the TensorFlow version of $where (no VERSION file, TF_Version() failed)"
  fi
fi
case "$VER" in "$WANT".*) ;; *) die "$where is TensorFlow $VER; only $WANT.x is supported" ;; esac

# Stage into a temp dir, then swap it in (keeps deps/libtensorflow valid as long as possible).
mkdir -p "$ROOT/deps"
TMP="$(mktemp -d "$ROOT/deps/.libtensorflow.tmp.XXXXXX")"; OLD="$TMP.old"; chmod 755 "$TMP"
trap 'rm -rf "$TMP" "$OLD"' EXIT
mkdir "$TMP/lib"
if [ "$MODE" = link ]; then
  ln -s "$SRC/include" "$TMP/include"
  for l in $LIBS; do ln -s "${LIB[$l]}" "$TMP/lib/$l"; done
else
  if ! cp -al "$SRC/include" "$TMP/include" 2>/dev/null; then
    rm -rf "$TMP/include"; cp -a "$SRC/include" "$TMP/include"
  fi
  for l in $LIBS; do cp -l "${LIB[$l]}" "$TMP/lib/$l" 2>/dev/null || cp -p "${LIB[$l]}" "$TMP/lib/$l"; done
fi
echo "$VER" > "$TMP/VERSION"
echo "$KEY" > "$TMP/.stamp"
[ ! -e "$DEST" ] || mv -T "$DEST" "$OLD"
mv -T "$TMP" "$DEST"
log "staged libtensorflow $VER from $where ($MODE) into $DEST"
