#!/usr/bin/env bash
# Ensure the Debian 12 (bookworm) build dependencies are installed.
# Presence is checked by files (fast, no apt). Missing packages are installed with
# apt-get when running as root, otherwise the exact install command is printed.
# Testing hook: PROVISION_CHECK_ROOT=<dir> prefixes every checked path (fake root).
set -euo pipefail
log() { echo "[tfserving-remote-predict] $*" >&2; }

MA="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null || echo "$(uname -m)-linux-gnu")"
L="/usr/lib/$MA"
I=/usr/include
# package -> files that must exist
declare -A FILES=(
  [g++]="/usr/bin/g++"
  [cmake]="/usr/bin/cmake"
  [make]="/usr/bin/make"
  [pkg-config]="/usr/bin/pkg-config"
  [libgrpc++-dev]="$L/libgrpc++.a $I/grpcpp/grpcpp.h"
  [libgrpc-dev]="$L/libgrpc.a $L/libgpr.a $L/libupb.a $L/libaddress_sorting.a $I/grpc/grpc.h"
  [libssl-dev]="$L/libssl.a $L/libcrypto.a $I/openssl/ssl.h"
  [libc-ares-dev]="$L/libcares.a $I/ares.h"
  [libre2-dev]="$L/libre2.a $I/re2/re2.h"
  [libabsl-dev]="$L/libabsl_base.a $L/libabsl_synchronization.a $I/absl/base/config.h"
  [zlib1g-dev]="$L/libz.a $I/zlib.h"
  [libgtest-dev]="$L/libgtest.a $L/libgtest_main.a $I/gtest/gtest.h"
  [clang-format]="/usr/bin/clang-format"
)
ORDER="g++ cmake make pkg-config libgrpc++-dev libgrpc-dev libssl-dev libc-ares-dev libre2-dev libabsl-dev zlib1g-dev"
# The repository's own tests and checks (a package installed from npm has no test/).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -d "$ROOT/test" ] && ORDER+=" libgtest-dev clang-format"

missing=()
for pkg in $ORDER; do
  for f in ${FILES[$pkg]}; do
    if [ ! -e "${PROVISION_CHECK_ROOT:-}$f" ]; then missing+=("$pkg"); break; fi
  done
done
[ ${#missing[@]} -eq 0 ] && exit 0

log "missing Debian build dependencies: ${missing[*]}"
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "install them with:  sudo apt-get install -y --no-install-recommends ${missing[*]}"
  exit 1
fi
log "installing with apt-get (root): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update >&2
apt-get install -y --no-install-recommends "${missing[@]}" >&2
for pkg in "${missing[@]}"; do
  case "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" in
    *" installed") ;;
    *) log "package $pkg is still not installed after apt-get"; exit 1 ;;
  esac
done
log "Debian build dependencies OK"
