#!/usr/bin/env bash
# The transport exports only its C ABI and needs no shared gRPC, OpenSSL,
# zlib or c-ares, so its copies cannot bind to TensorFlow's or Node's.
set -euo pipefail
lib="$1"
exported="$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^tfsrp_' || true)"
if [[ -n "$exported" ]]; then
  echo "exports beyond the tfsrp_* C ABI:"; echo "$exported" | head -20; exit 1
fi
needed="$(readelf -d "$lib" | grep NEEDED | grep -Ei 'grpc|gpr|upb|ssl|crypto|libz\.|cares|tensorflow' || true)"
if [[ -n "$needed" ]]; then
  echo "links shared libraries it must carry statically or not at all:"; echo "$needed"; exit 1
fi
echo "$(nm -D --defined-only "$lib" | wc -l) exported symbols, all tfsrp_*; no shared gRPC/OpenSSL/TensorFlow"
