#!/usr/bin/env bash
# Fuzzes the PredictResponse decoder (cpp/codec/predict_response_decoder.cc) with libFuzzer
# for a bounded time; exits non-zero on any finding (crash, sanitizer report, broken decoder
# contract, out-of-memory, timeout).
#
#   scripts/fuzz-response-decoder.sh [SECONDS]      (default 60)
#
# Needs Debian's clang (installed through apt-get when running as root, else the apt line is
# printed) and deps/libtensorflow (npm install / scripts/provision-libtensorflow.sh).
# Builds test/fuzz/ with -fsanitize=fuzzer,address,undefined into build-fuzz/, writes a seed
# corpus of valid responses (test/fuzz/make_seed_corpus.py) and fuzzes, keeping what it learns
# in build-fuzz/corpus/ for the next run. Findings go to build-fuzz/artifacts/<run>/ with the
# run's log; a clean run leaves its log in build-fuzz/last-run.log.
#
# Environment:
#   FUZZ_MALLOC_LIMIT_MB  a single allocation this large is a finding (default 1024): a few bytes
#                         of response must not make the client allocate gigabytes
#   FUZZ_RSS_LIMIT_MB     resident memory that counts as a finding (default 2560)
#   FUZZ_KEEP_GOING=1     don't stop at the first finding: fork mode, collect every finding
#                         until the time is up (still exits non-zero if there were any)
#   FUZZ_ARGS             extra libFuzzer flags
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS]   (a positive whole number of seconds, default 60)" >&2
  exit 2
fi

if ! command -v clang++ >/dev/null 2>&1; then
  apt_line="apt-get install -y clang"
  if [[ "$(id -u)" == 0 ]]; then
    echo "installing clang: $apt_line" >&2
    DEBIAN_FRONTEND=noninteractive $apt_line >&2 || {
      DEBIAN_FRONTEND=noninteractive apt-get update >&2 && DEBIAN_FRONTEND=noninteractive $apt_line >&2
    }
  else
    echo "clang is missing; install it as root and run again:" >&2
    echo "  sudo $apt_line" >&2
    exit 1
  fi
fi
if [[ ! -f deps/libtensorflow/lib/libtensorflow_framework.so.2 ]]; then
  echo "deps/libtensorflow is missing: run npm install (or scripts/provision-libtensorflow.sh) first" >&2
  exit 1
fi

build="$root/build-fuzz"
CC=clang CXX=clang++ cmake -S test/fuzz -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --parallel >&2
fuzzer="$build/predict_response_decoder_fuzzer"

bash scripts/generate-python-protos.sh
seeds="$build/seeds"
rm -rf "$seeds"
"$(bash "$root/scripts/python.sh")" test/fuzz/make_seed_corpus.py "$seeds"
corpus="$build/corpus"
mkdir -p "$corpus"
run_id="$(date +%Y%m%d-%H%M%S)-$$"
artifacts="$build/artifacts/$run_id"
mkdir -p "$artifacts"
log="$artifacts/fuzz.log"

flags=(
  -max_total_time="$seconds"
  -timeout=25
  -malloc_limit_mb="${FUZZ_MALLOC_LIMIT_MB:-1024}"
  -rss_limit_mb="${FUZZ_RSS_LIMIT_MB:-2560}"
  -dict="$root/test/fuzz/predict_response.dict"
  -artifact_prefix="$artifacts/"
  -print_final_stats=1
)
if [[ "${FUZZ_KEEP_GOING:-0}" == 1 ]]; then
  flags+=(-fork=1 -ignore_ooms=1 -ignore_timeouts=1 -ignore_crashes=1)
fi
# shellcheck disable=SC2206
flags+=(${FUZZ_ARGS:-})

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:detect_odr_violation=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"

echo "fuzzing DecodePredictResponse for ${seconds} s (log: $log)" >&2
set +e
"$fuzzer" "${flags[@]}" "$corpus" "$seeds" >"$log" 2>&1
status=$?
set -e

# The tail of the log, without progress lines, protobuf's one line per invalid UTF-8 string
# field, and libFuzzer's recommended dictionary.
awk '/Recommended dictionary/ {skip = 1} !skip {print} /End of recommended dictionary/ {skip = 0}' "$log" |
  grep -v -e 'contains invalid UTF-8 data' -e '^#[0-9]*.*\(NEW\|REDUCE\|pulse\|RELOAD\)' -e 'NEW_FUNC' |
  tail -n 80 >&2 || true
execs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{s+=$2} END {print s+0}')"
if [[ "$execs" == 0 ]]; then
  execs="$(grep -o 'Done [0-9]* runs' "$log" | awk '{s+=$2} END {print s+0}')"
fi
findings=("$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/oom-* "$artifacts"/timeout-* "$artifacts"/slow-unit-*)
count=0
for f in "${findings[@]}"; do [[ -e "$f" ]] && count=$((count + 1)); done
echo "fuzz summary: ${seconds} s, ${execs} executions, corpus $(find "$corpus" -type f | wc -l) inputs, ${count} finding(s), libFuzzer exit ${status}" >&2
if (( count > 0 )); then
  for f in "${findings[@]}"; do [[ -e "$f" ]] && echo "  finding: $f ($(stat -c %s "$f") bytes; reproduce: $fuzzer $f)" >&2; done
fi
if (( status != 0 || count > 0 )); then
  echo "FAIL: the decoder fuzzer found a problem (see $log)" >&2
  exit 1
fi
cp "$log" "$build/last-run.log"
rm -rf "$artifacts"
echo "OK: no findings (log: $build/last-run.log)" >&2
