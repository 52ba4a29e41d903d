#!/usr/bin/env bash
# npm run platform-package [-- --no-build] [--out DIR]
#
# Makes the prebuilt platform package tfserving-remote-predict-linux-x64-gnu in
# packages/linux-x64-gnu/ (package.json and README.md are committed there) and packs it
# into DIR (default packages/): the three addon modules, the op library and the transport
# from build/Release, the shared libraries the transport takes from Debian (abseil, re2),
# and libtensorflow_framework.so.2 with its VERSION, in the layout of a source build
# (build/Release/ next to deps/libtensorflow/lib/). Every file gets RUNPATH
# $ORIGIN[:$ORIGIN/../../deps/libtensorflow/lib] (patchelf), so the package needs nothing
# from the system beyond glibc, libstdc++ and libgcc_s. libtensorflow_cc.so.2 stays out
# (fetch-libtensorflow-cc stages it). Builds first (scripts/build.sh, incremental) unless
# --no-build. test/prebuilt.test.js installs the result without a compiler.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { echo "[tfserving-remote-predict] $*" >&2; }
die() { log "$*"; exit 1; }

build=1
out="$root/packages"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) build="" ;;
    --out) out="$(mkdir -p "$2" && cd "$2" && pwd)"; shift ;;
    *) die "unknown argument $1 (usage: npm run platform-package [-- --no-build] [--out DIR])" ;;
  esac
  shift
done

[[ "$(uname -s)-$(uname -m)" == Linux-x86_64 ]] || die "the platform package is linux-x64 (glibc); this is $(uname -s)-$(uname -m)"
pkg="$root/packages/linux-x64-gnu"
main_version="$(node -p 'require("./package.json").version')"
pkg_version="$(node -p "require('$pkg/package.json').version")"
[[ "$main_version" == "$pkg_version" ]] ||
  die "packages/linux-x64-gnu/package.json is version $pkg_version, package.json $main_version: make them equal"
[[ "$(node -p "require('./package.json').optionalDependencies?.['tfserving-remote-predict-linux-x64-gnu'] ?? ''")" == "$main_version" ]] ||
  die "package.json's optionalDependencies must name tfserving-remote-predict-linux-x64-gnu@$main_version"

if ! command -v patchelf >/dev/null; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing patchelf (apt-get, root)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends patchelf >&2 ||
      { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends patchelf >&2; }
  else
    die "patchelf is missing: sudo apt-get install -y --no-install-recommends patchelf"
  fi
fi

[[ -z "$build" ]] || bash scripts/build.sh

products=(tfserving_remote_predict.node tfsrp_saved_model.node tfsrp_tensorflow_guard.node
          libtfserving_remote_predict_op.so libtfsrp_grpc_transport.so)
release="$pkg/build/Release"
tflib="$pkg/deps/libtensorflow/lib"
rm -rf "$pkg/build" "$pkg/deps" "$pkg/licenses"
mkdir -p "$release" "$tflib"

cp -L deps/libtensorflow/lib/libtensorflow_framework.so.2 "$tflib/"
cp -L deps/libtensorflow/VERSION "$pkg/deps/libtensorflow/VERSION"
for product in "${products[@]}"; do
  [[ -f "build/Release/$product" ]] || die "build/Release/$product is missing: run npm run build (or drop --no-build)"
  cp "build/Release/$product" "$release/"
  strip --strip-unneeded "$release/$product"
  patchelf --set-rpath '$ORIGIN:$ORIGIN/../../deps/libtensorflow/lib' "$release/$product"
done

# Shared libraries from the system beyond glibc, libstdc++ and libgcc_s (ldd lists the
# transitive ones too): copied next to the products, each finding the others by $ORIGIN.
system='^(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux-x86-64)\.so'
bundled=()
for product in "${products[@]}"; do
  while read -r name arrow path _; do
    [[ "$arrow" == "=>" && "$path" == /* ]] || continue
    [[ "$name" =~ $system || "$path" == "$pkg"/* || -e "$release/$name" ]] && continue
    cp -L "$path" "$release/$name"
    chmod 644 "$release/$name"
    patchelf --set-rpath '$ORIGIN' "$release/$name"
    bundled+=("$name")
    # Their licences, from the Debian package that holds them.
    owner="$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n1 | cut -d: -f1)"
    if [[ -n "$owner" && -f "/usr/share/doc/$owner/copyright" ]]; then
      mkdir -p "$pkg/licenses" && cp "/usr/share/doc/$owner/copyright" "$pkg/licenses/$owner.copyright"
    fi
  done < <(ldd "$release/$product")
done
log "bundled from the system: ${bundled[*]:-nothing}"

tarball="$(cd "$pkg" && npm pack --silent --pack-destination "$out")"
log "$(cd "$pkg" && find build deps -type f | wc -l) native files, $(du -cb "$pkg/build" "$pkg/deps" | tail -1 | cut -f1) bytes; packed:"
echo "$out/$tarball"
