#!/usr/bin/env bash
# Simulator speed of two builds side by side, in one run, alternating so that both see
# the same machine load: the whole LLaMA-2-7B trace (every linear layer x32 blocks +
# lm_head, prefill of 512 tokens, 8-bit RTN) on the default 32x32 array, fast and cycle
# fidelity. Prints the median wall time of each build and fidelity, and checks that
# both builds report the same total cycles.
#   scripts/bench_compare_builds.sh OLD_ITERA NEW_ITERA [RUNS_FAST] [RUNS_CYCLE]
set -euo pipefail
old=$(realpath "$1")
new=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$new" trace --shape llama2-7b --include-head --phase prefill --seq-len 512 --method rtn --bits 8 \
  -o "$tmp/prefill.trace" >/dev/null
python3 - "$old" "$new" "$tmp" "${3:-7}" "${4:-3}" <<'PY'
import json, statistics, subprocess, sys, time
old, new, tmp, runs_fast, runs_cycle = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
def run(binary, fid):
    out = f"{tmp}/{fid}.json"
    t0 = time.perf_counter()
    subprocess.run([binary, "simulate", f"{tmp}/prefill.trace", "--fidelity", fid, "--no-timing", "--json", out],
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0, json.load(open(out))["total_cycles"]
print(f"{'fidelity':<8} {'runs':>5} {'old s':>10} {'new s':>10} {'new/old':>8} {'total cycles':>16}")
for fid, n in (("fast", runs_fast), ("cycle", runs_cycle)):
    times = {old: [], new: []}
    cycles = set()
    for _ in range(n):
        for b in (old, new):
            t, c = run(b, fid)
            times[b].append(t)
            cycles.add(c)
    o, w = statistics.median(times[old]), statistics.median(times[new])
    same = "same" if len(cycles) == 1 else f"DIFFER {sorted(cycles)}"
    print(f"{fid:<8} {n:>5} {o:>10.3f} {w:>10.3f} {w / o:>8.3f} {min(cycles):>16,} ({same})")
print("(whole 'itera simulate' processes; medians of alternating runs)")
PY
