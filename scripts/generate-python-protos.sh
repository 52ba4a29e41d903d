#!/usr/bin/env bash
# Generates Python protobuf/gRPC modules from protos/:
#   test/.generated/py_serving/  tensorflow_serving/apis only; tensorflow.core.framework
#                                resolves to the installed TensorFlow (for code importing TF)
#   test/.generated/py_full/     everything incl. tensorflow/core/framework (never import TF with it)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
proto_dir="$root/protos"
out="$root/test/.generated"
python="${PYTHON:-python3}"

serving=("$proto_dir"/tensorflow_serving/apis/*.proto)
framework=("$proto_dir"/tensorflow/core/framework/*.proto)

stamp="$( { cat "${BASH_SOURCE[0]}" "${serving[@]}" "${framework[@]}"; "$python" -m grpc_tools.protoc --version; } | sha256sum | cut -d' ' -f1)"
if [[ -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$stamp" ]]; then
  exit 0
fi

well_known="$("$python" -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')"
gen() {  # gen OUTDIR PROTO...
  local dir="$1"; shift
  rm -rf "$dir" && mkdir -p "$dir"
  "$python" -m grpc_tools.protoc -I "$proto_dir" -I "$well_known" \
    --python_out="$dir" --grpc_python_out="$dir" "$@"
  # Regular packages, so these win over same-named namespace portions elsewhere on sys.path.
  find "$dir" -mindepth 1 -type d -exec touch {}/__init__.py \;
}

rm -f "$out/.stamp"
gen "$out/py_serving" "${serving[@]}"
gen "$out/py_full" "${serving[@]}" "${framework[@]}"
echo "$stamp" > "$out/.stamp"
echo "generated Python protos in $out" >&2
