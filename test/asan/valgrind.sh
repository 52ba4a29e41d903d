#!/usr/bin/env bash
# The C++ tests (ctest's binaries) under valgrind's memcheck, on the ordinary (not sanitized) build:
#   bash test/asan/valgrind.sh [build-dir]        (default: build)
# Fails on any memory error and on any definite leak (test/asan/valgrind.supp lists the
# transport's one deliberate leak and TensorFlow's protobuf false positives). Indirect
# leaks hang off a definite one; "possibly lost" blocks are gRPC's threads and state
# still alive at exit (interior pointers) and are counted, not failed. LeakSanitizer
# covers the same tests in `npm run test:asan`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$root/${1:-build}/Release"
status=0
for test in transport_test remote_predict_kernel_test load_op_library_test; do
  args=()
  [[ $test == load_op_library_test ]] && args=("$bin/libtfserving_remote_predict_op.so")
  log="$(mktemp)"
  start=$(date +%s)
  if valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
      --show-leak-kinds=definite --num-callers=40 \
      --suppressions="$root/test/asan/valgrind.supp" "$bin/$test" "${args[@]}" > "$log" 2>&1; then
    result=clean
  else
    result="FAILED (exit $?)"; status=1; cat "$log"
  fi
  echo "$test: $result in $(( $(date +%s) - start )) s; $(grep -E 'ERROR SUMMARY' "$log" | sed 's/^==[0-9]*== //')"
  grep -E 'definitely lost|indirectly lost|possibly lost|suppressed:' "$log" | sed 's/^==[0-9]*== */    /'
  rm -f "$log"
done
exit "$status"
