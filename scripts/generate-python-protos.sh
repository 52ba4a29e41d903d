#!/usr/bin/env bash
# Generates Python protobuf/gRPC modules from protos/:
#   test/.generated/py_serving/  tensorflow_serving/apis only; tensorflow.core.framework
#                                resolves to the installed TensorFlow (for code importing TF)
#   test/.generated/py_full/     everything incl. tensorflow/core/framework (never import TF with it)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
proto_dir="$root/protos"
out="$root/test/.generated"
python="$(bash "$root/scripts/python.sh")"

serving=("$proto_dir"/tensorflow_serving/apis/*.proto)
framework=("$proto_dir"/tensorflow/core/framework/*.proto)

stamp="$( { cat "${BASH_SOURCE[0]}" "${serving[@]}" "${framework[@]}"; "$python" -m grpc_tools.protoc --version; } | sha256sum | cut -d' ' -f1)"
if [[ -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]]; then
  exit 0
fi

well_known="$("$python" -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/tfsrp-protos.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
gen() {  # gen NAME PROTO...: builds aside, then swaps in (keeps concurrent readers' window small)
  local name="$1"; shift
  mkdir -p "$tmp/$name"
  "$python" -m grpc_tools.protoc -I "$proto_dir" -I "$well_known" \
    --python_out="$tmp/$name" --grpc_python_out="$tmp/$name" "$@"
  # Regular packages, so these win over same-named namespace portions elsewhere on sys.path.
  find "$tmp/$name" -mindepth 1 -type d -exec touch {}/__init__.py \;
}

gen py_serving "${serving[@]}"
gen py_full "${serving[@]}" "${framework[@]}"
mkdir -p "$out"
rm -f "$out/.stamp"
for name in py_serving py_full; do
  rm -rf "$out/$name" && mv "$tmp/$name" "$out/$name"
done
echo "$stamp" > "$out/.stamp"
echo "generated Python protos in $out" >&2
