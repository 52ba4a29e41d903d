#!/usr/bin/env bash
# npm run test:asan: builds the native code (transport, op library, addon, C++ tests)
# with ASan + UBSan into build-asan/ (never build/), runs the C++ tests under
# LeakSanitizer, then the whole mocha suite on the sanitized addon.
#
# Node is not instrumented, so the gcc sanitizer runtimes are preloaded into it (and
# into every process it starts: the Python reference server, node children, ...).
# The addon is loaded from <package>/build/Release, so mocha runs from a scratch copy
# of the package whose build/ is build-asan/ (dist/ compiled there from lib/, test/
# and esm/ copied, everything else linked). Every sanitizer report of every process
# goes to a file under the report directory; any such file fails the run.
#
# Environment: TFSRP_BUILD_JOBS (default: nproc), TFSRP_ASAN_BUILD_DIR (default:
# build-asan), TFSRP_ASAN_KEEP=1 keeps the scratch package and reports,
# TFSRP_ASAN_SKIP_BUILD=1 uses build-asan/ as it is, TFSRP_UBSAN_HALT=0 lets UBSan
# report every finding of a run instead of stopping at the first; arguments go to mocha
# (e.g. `npm run test:asan -- test/run.test.js`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

build_dir="$root/${TFSRP_ASAN_BUILD_DIR:-build-asan}"
jobs="${TFSRP_BUILD_JOBS:-$(nproc)}"
libasan="$(gcc -print-file-name=libasan.so)"
libubsan="$(gcc -print-file-name=libubsan.so)"
for lib in "$libasan" "$libubsan"; do
  [[ "$lib" == /* && -e "$lib" ]] || { echo "test-asan: gcc's sanitizer runtime is missing ($lib)" >&2; exit 1; }
done
now() { date +%s; }

# 1. The sanitized build.
t0=$(now)
if [[ "${TFSRP_ASAN_SKIP_BUILD:-}" != 1 ]]; then
  npx cmake-js build --out "$build_dir" --CDTFSRP_SANITIZE=ON --parallel "$jobs" --log-level warn
fi
grep -q '^TFSRP_SANITIZE:BOOL=ON$' "$build_dir/CMakeCache.txt" \
  || { echo "test-asan: $build_dir is not a TFSRP_SANITIZE=ON build" >&2; exit 1; }
t_build=$(( $(now) - t0 ))

# Fixtures, as npm test prepares them.
bash scripts/generate-python-protos.sh
"$(bash "$root/scripts/python.sh")" scripts/generate_fixtures.py

# 2. The C++ tests: ASan + UBSan + LeakSanitizer (full unwinding, so that the one
# deliberate leak is recognised wherever gRPC allocated it; see test/asan/lsan.supp).
t0=$(now)
set +e
ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1" \
LSAN_OPTIONS="suppressions=$root/test/asan/lsan.supp:print_suppressions=0" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$root/test/asan/ubsan.supp" \
  ctest --test-dir "$build_dir" --output-on-failure
ctest_status=$?
set -e
t_ctest=$(( $(now) - t0 ))

# 3. mocha from a scratch copy of the package whose build/ is the sanitized build.
scratch="$(mktemp -d "${TMPDIR:-/tmp}/tfsrp-asan.XXXXXX")"
reports="$scratch/reports"
cleanup() { if [[ "${TFSRP_ASAN_KEEP:-}" != 1 ]]; then rm -rf "$scratch"; else echo "test-asan: kept $scratch"; fi; }
trap cleanup EXIT
pkg="$scratch/package"
mkdir -p "$pkg" "$reports"
shopt -s dotglob nullglob
for entry in "$root"/*; do
  name="$(basename "$entry")"
  case "$name" in
    .git|build|build-*|dist|esm|test|package.json) ;;
    *) ln -s "$entry" "$pkg/$name" ;;
  esac
done
shopt -u dotglob nullglob
ln -s "$build_dir" "$pkg/build"
cp -a "$root/test" "$root/esm" "$root/package.json" "$pkg/"
npx tsc -p tsconfig.json --outDir "$pkg/dist"
chmod +x "$pkg/dist/cli/main.js"
# Puts UBSan's own reports into files too (see the file's comment).
ubsan_report_path="$scratch/ubsan_report_path.so"
gcc -shared -fPIC -O1 -o "$ubsan_report_path" test/asan/ubsan_report_path.c -ldl
runtimes="$libasan $libubsan $ubsan_report_path"

# Sanitizer settings for node and everything it starts (see test/asan/README.md):
# leaks are not checked in node (V8 and TensorFlow keep process-lifetime heaps).
asan_options=(
  "detect_leaks=0"
  "halt_on_error=1"
  "log_path=$reports/asan"
  "log_exe_name=1"
)
ubsan_options=(
  "print_stacktrace=1"
  "halt_on_error=${TFSRP_UBSAN_HALT:-1}"
  "suppressions=$root/test/asan/ubsan.supp"
  "log_path=$reports/ubsan"
  "log_exe_name=1"
)
# Test files whose processes run third-party native code that ASan's allocator flags
# (listed, with the reason, in test/asan/alloc-dealloc-mismatch.txt) run in a second
# mocha pass with alloc_dealloc_mismatch=0; everything else runs with every check on.
if [[ $# -gt 0 ]]; then files=("$@"); else (cd "$pkg" && shopt -s nullglob && printf '%s\n' test/*.test.js) > "$scratch/files"; mapfile -t files < "$scratch/files"; fi
mapfile -t relaxed_list < <(grep -v '^\s*\(#\|$\)' "$root/test/asan/alloc-dealloc-mismatch.txt" || true)
strict=(); relaxed=()
for f in "${files[@]}"; do
  hit=0
  for r in "${relaxed_list[@]}"; do [[ "$(basename "$f")" == "$r" ]] && hit=1; done
  if [[ $hit == 1 ]]; then relaxed+=("$f"); else strict+=("$f"); fi
done
# The package's mocha settings, without its spec (the files are chosen here).
node -e '
  const fs = require("fs");
  const file = process.argv[1];
  const config = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
  delete config.spec;
  fs.writeFileSync(process.argv[2], JSON.stringify(config));' "$root/.mocharc.json" "$scratch/mocharc.json"

run_mocha() {  # extra ASAN_OPTIONS, files...
  local extra="$1"; shift
  [[ $# -gt 0 ]] || return 0
  (
    cd "$pkg"
    export ASAN_OPTIONS="$(IFS=:; echo "${asan_options[*]}")${extra:+:$extra}"
    export UBSAN_OPTIONS="$(IFS=:; echo "${ubsan_options[*]}")"
    export LD_PRELOAD="$runtimes${LD_PRELOAD:+ $LD_PRELOAD}"
    export TFSRP_ASAN_RUNTIMES="$runtimes"
    export TFSRP_UBSAN_LOG_PATH="$reports/ubsan"
    exec node "$pkg/node_modules/mocha/bin/mocha.js" --config "$scratch/mocharc.json" \
      --require "$root/test/asan/keep-runtime-preloaded.js" "$@"
  )
}

t0=$(now)
set +e
run_mocha "" "${strict[@]}"
mocha_status=$?
run_mocha "alloc_dealloc_mismatch=0" "${relaxed[@]}"
status=$?
[[ $mocha_status -ne 0 ]] || mocha_status=$status
set -e
t_mocha=$(( $(now) - t0 ))

findings=("$reports"/*)
if [[ -e "${findings[0]:-}" ]]; then
  echo "test-asan: sanitizer reports (${#findings[@]} file(s)):" >&2
  for f in "${findings[@]}"; do echo "=== $f" >&2; cat "$f" >&2; done
  [[ $mocha_status -ne 0 ]] || mocha_status=1
fi
echo "test-asan: build ${t_build} s, ctest ${t_ctest} s (exit ${ctest_status}), mocha ${t_mocha} s (exit ${mocha_status}), sanitizer report files: $( [[ -e "${findings[0]:-}" ]] && echo "${#findings[@]}" || echo 0 )"
[[ $ctest_status -eq 0 ]] || exit "$ctest_status"
exit "$mocha_status"
