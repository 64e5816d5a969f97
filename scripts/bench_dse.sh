#!/usr/bin/env bash
# Throughput of `itera dse` (docs/benchmarks.md):
#  1. LLaMA-2-7B decode design points per minute, latency and resources only: the
#     configs/dse-llama2-7b.yaml spec (9 decompositions x 9 arrays, weight-error proxy)
#     is run once to fill the accuracy cache, then its simulation results are deleted
#     and the run timed again (every point simulated, every accuracy cached);
#  2. the same on a larger hardware grid, tests/bench/dse-llama2-7b-grid.yaml (the same
#     9 decompositions x 96 hardware points = 864 points), its accuracy cache copied
#     from 1 (the same decompositions and proxy), nothing else cached; besides the
#     wall-clock rate it prints the CPU time per point (all processes), which does not
#     depend on what else the machine runs;
#  3. the accuracy cost per distinct decomposition on stories260K: configs/dse-default.yaml
#     (20 decompositions, 2,048 tokens each) with its accuracy cache deleted, timed.
#   scripts/bench_dse.sh [ITERA] [JOBS]     (default: build/release/sim/itera, nproc)
# ITERA_BENCH_ACCURACY_CACHE=DIR: a cache/accuracy directory of an earlier run of
# configs/dse-llama2-7b.yaml, copied in before 1 (its untimed first run then only
# simulates; the proxy accuracies take minutes). ITERA_BENCH_ONLY=grid runs only 2.
set -euo pipefail
cd "$(dirname "$0")/.."
itera="${1:-build/release/sim/itera}"
jobs="${2:-$(nproc)}"
[ -x "$itera" ] || { echo "bench_dse: '$itera' is not an executable (build it first)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

seconds() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.2f}")' "$@"; }
now() { date +%s.%N; }

# Runs `itera dse` with the given arguments; prints its wall-clock and CPU seconds (its
# own and its workers') as "WALL CPU".
timed() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
wall = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.3f} {ru.ru_utime + ru.ru_stime:.3f}")
PY
}
# report NAME POINTS "WALL CPU"
report() {
  python3 - "$@" <<'PY'
import sys
name, points, (wall, cpu) = sys.argv[1], int(sys.argv[2]), map(float, sys.argv[3].split())
print(f"{name}: {points} points (accuracy cached) in {wall:.2f} s with --jobs {sys.argv[4]}: "
      f"{points / wall * 60:.0f} points/min; {cpu:.2f} CPU s, {cpu / points * 1000:.1f} CPU ms a point")
PY
}

mkdir -p "$work/l7/cache"
[ -n "${ITERA_BENCH_ACCURACY_CACHE:-}" ] && cp -r "$ITERA_BENCH_ACCURACY_CACHE" "$work/l7/cache/accuracy"
"$itera" dse --spec configs/dse-llama2-7b.yaml --out "$work/l7" --jobs "$jobs" --no-progress >/dev/null
if [ "${ITERA_BENCH_ONLY:-}" != grid ]; then
  rm -rf "$work/l7/cache/simulation"
  r=$(timed "$itera" dse --spec configs/dse-llama2-7b.yaml --out "$work/l7" --jobs "$jobs" --no-progress)
  report "LLaMA-2-7B decode (configs/dse-llama2-7b.yaml)" $(($(wc -l <"$work/l7/points.csv") - 1)) "$r" "$jobs"
fi

mkdir -p "$work/grid/cache"
cp -r "$work/l7/cache/accuracy" "$work/grid/cache/accuracy"
r=$(timed "$itera" dse --spec tests/bench/dse-llama2-7b-grid.yaml --out "$work/grid" --jobs "$jobs" --no-progress)
report "LLaMA-2-7B decode grid (tests/bench/dse-llama2-7b-grid.yaml)" $(($(wc -l <"$work/grid/points.csv") - 1)) \
  "$r" "$jobs"
[ "${ITERA_BENCH_ONLY:-}" = grid ] && exit 0

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
