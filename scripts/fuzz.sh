#!/usr/bin/env bash
# Fuzzes every parser with libFuzzer (tests/fuzz/): installs clang and libFuzzer if
# missing, builds the 'fuzz' preset (clang, ASan + UBSan, the fuzz targets only), then
# runs each target for SECONDS (default 30) on a temporary copy of its seed corpus
# (tests/fuzz/corpus/NAME, read only: the committed corpus never grows here).
# Prints executions per target; exits non-zero on any crash, sanitizer report, leak,
# timeout or out-of-memory, leaving the input in build/fuzz/findings/NAME/.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# FUZZ_RUNS=N also stops each target after N executions (whichever comes first), e.g.
#   FUZZ_RUNS=10000000 scripts/fuzz.sh 1200     (the pre-release campaign)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (SECONDS: a whole number >= 1)" >&2
  exit 2
fi
runs_flag=()
if [ -n "${FUZZ_RUNS:-}" ]; then
  [[ "$FUZZ_RUNS" =~ ^[0-9]+$ ]] && [ "$FUZZ_RUNS" -ge 1 ] ||
    { echo "fuzz: FUZZ_RUNS must be a whole number >= 1, got '$FUZZ_RUNS'" >&2; exit 2; }
  runs_flag=(-runs="$FUZZ_RUNS")
fi

# Target and the largest input it is given (bytes): a little over the largest seed.
declare -A MAX_LEN=(
  [trace]=4096 [accel_config]=4096 [sweep]=2048 [scalesim]=2048 [llama2c]=2048
  [tokenizer]=8192 [safetensors]=4096 [hf_config]=4096 [compressed]=4096 [dse_spec]=4096
  [dramsim3_trace]=4096
)
ORDER=(trace accel_config sweep scalesim llama2c tokenizer safetensors hf_config compressed dse_spec dramsim3_trace)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ORDER[@]}")
for t in "${targets[@]}"; do
  [ -n "${MAX_LEN[$t]:-}" ] || { echo "fuzz: unknown target '$t'; targets: ${ORDER[*]}" >&2; exit 2; }
done

scripts/install-deps.sh --fuzz
echo "== Fuzz build (clang, libFuzzer + ASan + UBSan)"
start=$SECONDS
scripts/build.sh fuzz
echo "fuzz build: $((SECONDS - start)) s"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
findings=build/fuzz/findings
symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

failed=()
printf '%-13s %10s %8s %6s %8s  %s\n' target execs exec/s new rss_mb result
for t in "${targets[@]}"; do
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  log="$work/$t/log"
  # New inputs go to the first (temporary) directory; the seeds are only read.
  rc=0
  "build/fuzz/tests/fuzz/fuzz_$t" "$work/$t/corpus" "tests/fuzz/corpus/$t" \
    -max_total_time="$seconds" "${runs_flag[@]}" -max_len="${MAX_LEN[$t]}" -timeout=25 -rss_limit_mb=2048 \
    -artifact_prefix="$work/$t/artifacts/" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  stat_of() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  result=ok
  if [ "$rc" -ne 0 ]; then
    result="FAILED (exit $rc)"
    failed+=("$t")
  fi
  printf '%-13s %10s %8s %6s %8s  %s\n' "$t" "$(stat_of number_of_executed_units)" \
    "$(stat_of average_exec_per_sec)" "$(stat_of new_units_added)" "$(stat_of peak_rss_mb)" "$result"
  if [ "$result" != ok ]; then
    mkdir -p "$findings/$t"
    cp "$work/$t/artifacts/"* "$findings/$t/" 2>/dev/null || true
    cp "$log" "$findings/$t/libfuzzer.log"
    echo "---- $t: end of the libFuzzer log (whole log and the input in $findings/$t/)"
    grep -v '^#[0-9]' "$log" | tail -40
    for a in "$work/$t/artifacts/"*; do
      [ -f "$a" ] || continue
      echo "---- $(basename "$a"), base64 (replay: base64 -d > in; build/fuzz/tests/fuzz/fuzz_$t in):"
      head -c 4096 "$a" | base64
    done
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} of ${#targets[@]} targets FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds} s each: no crash, leak or sanitizer report"
