#!/usr/bin/env bash
# Simulator speed: the whole LLaMA-2-7B catalog trace (every linear layer of a block,
# x32 blocks, plus lm_head; prefill of 512 tokens, 8-bit RTN) on the default 32x32
# array, in both fidelities. Prints simulated cycles, wall time and cycles per second.
# Each transformer block is simulated once and reused for its 32 repeats; the cycle
# counts below are the simulated ones (one copy of each op).
#   scripts/bench_simulate.sh [--skip-cycle]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release itera >/dev/null
itera=build/release/sim/itera
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$itera" trace --shape llama2-7b --include-head --phase prefill --seq-len 512 --method rtn --bits 8 \
  -o "$tmp/llama2-7b-prefill.trace" >/dev/null
fidelities=(fast cycle)
[ "${1:-}" = "--skip-cycle" ] && fidelities=(fast)
printf '%-8s %16s %16s %10s %14s\n' fidelity "simulated cyc" "trace cycles" "wall s" "M cycles/s"
for f in "${fidelities[@]}"; do
  start=$(date +%s.%N)
  "$itera" simulate "$tmp/llama2-7b-prefill.trace" --fidelity "$f" --json "$tmp/$f.json" >"$tmp/$f.txt"
  end=$(date +%s.%N)
  python3 - "$tmp/$f.txt" "$tmp/$f.json" "$f" "$start" "$end" <<'PY'
import json, re, sys
text, report, fid, start, end = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
m = re.search(r"simulated (\d+) cycles .* in ([0-9.]+) s", open(text).read())
sim_cycles, sim_s = int(m.group(1)), float(m.group(2))
total = json.load(open(report))["total_cycles"]
print(f"{fid:<8} {sim_cycles:>16,} {total:>16,} {end - start:>10.2f} {sim_cycles / sim_s / 1e6:>14.2f}")
PY
done
echo "(wall s = the whole 'itera simulate' process; M cycles/s = simulated cycles / kernel time)"
