#!/usr/bin/env bash
# Decomposition speed against a full SVD, one build or two compared, runs alternated.
#   scripts/bench_decompose.sh [RUNS] [NEW_BENCH] [OLD_BENCH]
# RUNS (default 3) runs of tests/bench/itera_bench --benchmark_filter=Decompose per
# build; each run prints every method's time as a fraction of the full SVD measured in
# the same run. Prints the median fraction per method and build, and the load average
# before each run. ITERA_BENCH_N (default 4096) sets the matrix size.
set -euo pipefail
runs=${1:-3}
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
    "$bin" --benchmark_filter=Decompose 2>/dev/null | sed -n 's/^ *BM_Decompose\([A-Za-z]*\)\/.* \([0-9.]*\) s *\([0-9.]*\) x full SVD$/\1 \2 \3/p' \
      >>"$tmp/$b"
  done
done

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
printf '%-20s' method
for b in "${builds[@]}"; do printf '  %10s %10s' "$b s" "$b ratio"; done
echo
for m in Itera IteraCompensated Lorc Svd; do
  printf '%-20s' "$m"
  for b in "${builds[@]}"; do
    printf '  %10s %10s' "$(awk -v m="$m" '$1 == m {print $2}' "$tmp/$b" | median)" \
      "$(awk -v m="$m" '$1 == m {print $3}' "$tmp/$b" | median)"
  done
  echo
done
