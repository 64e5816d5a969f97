#!/usr/bin/env bash
# Throughput of `itera dse` (docs/benchmarks.md):
#  1. LLaMA-2-7B decode design points per minute, latency and resources only: the
#     configs/dse-llama2-7b.yaml spec (9 decompositions x 9 arrays, weight-error proxy)
#     is run once to fill the accuracy cache, then its simulation results are deleted
#     and the run timed again (every point simulated, every accuracy cached);
#  2. the accuracy cost per distinct decomposition on stories260K: configs/dse-default.yaml
#     (20 decompositions, 2,048 tokens each) with its accuracy cache deleted, timed.
#   scripts/bench_dse.sh [ITERA] [JOBS]     (default: build/release/sim/itera, nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
itera="${1:-build/release/sim/itera}"
jobs="${2:-$(nproc)}"
[ -x "$itera" ] || { echo "bench_dse: '$itera' is not an executable (build it first)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

seconds() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.2f}")' "$@"; }
now() { date +%s.%N; }

"$itera" dse --spec configs/dse-llama2-7b.yaml --out "$work/l7" --jobs "$jobs" --no-progress >/dev/null
rm -rf "$work/l7/cache/simulation"
t0=$(now)
"$itera" dse --spec configs/dse-llama2-7b.yaml --out "$work/l7" --jobs "$jobs" --no-progress >/dev/null
t1=$(now)
points=$(($(wc -l <"$work/l7/points.csv") - 1))
s=$(seconds "$t0" "$t1")
echo "LLaMA-2-7B decode: $points points (accuracy cached) in $s s with --jobs $jobs:" \
  "$(python3 -c "print(f'{$points / $s * 60:.0f}')") points/min"

if [ -f ../shared/data/models/stories260K.bin ]; then
  "$itera" dse --spec configs/dse-default.yaml --out "$work/s" --jobs "$jobs" --no-progress >/dev/null
  rm -rf "$work/s/cache/accuracy"
  t0=$(now)
  "$itera" dse --spec configs/dse-default.yaml --out "$work/s" --jobs "$jobs" --no-progress >/dev/null
  t1=$(now)
  n=$(ls "$work/s/cache/accuracy" | wc -l)
  s=$(seconds "$t0" "$t1")
  echo "stories260K accuracy: $n decompositions (simulations cached) in $s s with --jobs $jobs:" \
    "$(python3 -c "print(f'{$s * $jobs / $n:.2f}')") core-seconds each"
else
  echo "stories260K accuracy: skipped (../shared/data/models/stories260K.bin not found)"
fi
