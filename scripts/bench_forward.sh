#!/usr/bin/env bash
# Forward-pass speed (greedy generation, one thread), one build or two compared, runs
# alternated.
#   scripts/bench_forward.sh [RUNS] [NEW_BENCH] [OLD_BENCH]
# RUNS (default 7) runs of tests/bench/itera_bench with
# --benchmark_filter='Forward(Stories260K|BabyLlama)(Rtn4)?$' per build; prints the
# median, minimum and maximum tokens/s (over CPU time) per benchmark and build, and the
# load average before each run. Needs the shared data (ITERA_DATA_DIR).
set -euo pipefail
runs=${1:-7}
new=${2:-build/release/tests/bench/itera_bench}
old=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

builds=(new)
[[ -n "$old" ]] && builds=(old new)
for ((i = 1; i <= runs; ++i)); do
  for b in "${builds[@]}"; do
    bin=$new
    [[ $b == old ]] && bin=$old
    echo "run $i $b: load$(uptime | sed 's/.*load average//')" >&2
    "$bin" --benchmark_filter='Forward(Stories260K|BabyLlama)(Rtn4)?$' --benchmark_out="$tmp/$b.$i.json" \
      --benchmark_out_format=json >/dev/null 2>&1
  done
done

python3 - "$tmp" "${builds[@]}" <<'EOF'
import glob, json, statistics, sys
tmp, builds = sys.argv[1], sys.argv[2:]
rates = {}
for b in builds:
    for path in glob.glob(f"{tmp}/{b}.*.json"):
        for bm in json.load(open(path))["benchmarks"]:
            rates.setdefault((bm["name"], b), []).append(bm["tokens/s"])
print(f"{'benchmark':28s}" + "".join(f"  {b + ' tok/s (median, min-max)':>34s}" for b in builds))
for name in sorted({n for n, _ in rates}):
    cells = []
    for b in builds:
        v = rates.get((name, b))
        cells.append(f"{statistics.median(v):>12,.0f} ({min(v):,.0f}-{max(v):,.0f})" if v else "-")
    print(f"{name:28s}" + "".join(f"  {c:>34s}" for c in cells))
EOF
