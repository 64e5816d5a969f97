#!/usr/bin/env bash
# Simulator speed of two builds side by side, in one run, alternating so that both see
# the same machine load: the whole LLaMA-2-7B trace (every linear layer x32 blocks +
# lm_head, prefill of 512 tokens, 8-bit RTN) on the default 32x32 array, fast and cycle
# fidelity. Prints the median wall time of each build and fidelity, and checks that
# both builds report the same total cycles.
#   scripts/bench_compare_builds.sh OLD_ITERA NEW_ITERA [RUNS_FAST] [RUNS_CYCLE]
set -euo pipefail
if [ $# -lt 2 ] || [ ! -x "$1" ] || [ ! -x "$2" ]; then
  echo "usage: scripts/bench_compare_builds.sh OLD_ITERA NEW_ITERA [RUNS_FAST] [RUNS_CYCLE]  (both must be executable itera binaries)" >&2
  exit 2
fi
for n in "${3:-7}" "${4:-3}"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "bench_compare_builds: run counts must be whole numbers >= 1 (got '$n')" >&2; exit 2; }
done
old=$(realpath "$1")
new=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$new" trace --shape llama2-7b --include-head --phase prefill --seq-len 512 --method rtn --bits 8 \
  -o "$tmp/prefill.trace" >/dev/null
python3 - "$old" "$new" "$tmp" "${3:-7}" "${4:-3}" <<'PY'
import json, resource, statistics, subprocess, sys, time
old, new, tmp, runs_fast, runs_cycle = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
def run(binary, fid):
    out = f"{tmp}/{fid}.json"
    t0 = time.perf_counter()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([binary, "simulate", f"{tmp}/prefill.trace", "--fidelity", fid, "--no-timing", "--json", out],
                   check=True, stdout=subprocess.DEVNULL)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return time.perf_counter() - t0, cpu, json.load(open(out))["total_cycles"]
print(f"{'fidelity':<8} {'runs':>5} {'old wall s':>11} {'new wall s':>11} {'new/old':>8} "
      f"{'old cpu s':>10} {'new cpu s':>10} {'new/old':>8} {'total cycles':>16}")
for fid, n in (("fast", runs_fast), ("cycle", runs_cycle)):
    wall = {old: [], new: []}
    cpu = {old: [], new: []}
    cycles = set()
    for _ in range(n):
        for b in (old, new):
            w, c, total = run(b, fid)
            wall[b].append(w)
            cpu[b].append(c)
            cycles.add(total)
    ow, nw = statistics.median(wall[old]), statistics.median(wall[new])
    oc, nc = statistics.median(cpu[old]), statistics.median(cpu[new])
    same = "same" if len(cycles) == 1 else f"DIFFER {sorted(cycles)}"
    print(f"{fid:<8} {n:>5} {ow:>11.3f} {nw:>11.3f} {nw / ow:>8.3f} {oc:>10.3f} {nc:>10.3f} {nc / oc:>8.3f} "
          f"{min(cycles):>16,} ({same})")
print("(whole 'itera simulate' processes; medians of alternating runs; cpu = user + system)")
PY
