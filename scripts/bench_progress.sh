#!/usr/bin/env bash
# Cost of `itera simulate --progress` (the kernel runs in slices of simulated time):
# the same runs with --no-progress and --progress, alternating, median wall and CPU time
# of each, and a check that both give byte-identical JSON reports. Fast fidelity: the
# whole LLaMA-2-7B prefill trace of scripts/bench_simulate.sh; cycle fidelity: the
# OPT-1.3B prefill trace (512 tokens, 8-bit; about 10 s rather than a minute).
#   scripts/bench_progress.sh [ITERA] [RUNS_FAST] [RUNS_CYCLE]
set -euo pipefail
cd "$(dirname "$0")/.."
itera=${1:-build/release/sim/itera}
if [ ! -x "$itera" ]; then
  echo "usage: scripts/bench_progress.sh [ITERA] [RUNS_FAST] [RUNS_CYCLE]  ('$itera' is not an executable)" >&2
  exit 2
fi
for n in "${2:-7}" "${3:-3}"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "bench_progress: run counts must be whole numbers >= 1 (got '$n')" >&2; exit 2; }
done
itera=$(realpath "$itera")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$itera" trace --shape llama2-7b --include-head --phase prefill --seq-len 512 --method rtn --bits 8 \
  -o "$tmp/llama.trace" >/dev/null
"$itera" trace --shape opt-1.3b --phase prefill --seq-len 512 --method rtn --bits 8 -o "$tmp/opt.trace" >/dev/null
python3 - "$itera" "$tmp" "${2:-7}" "${3:-3}" <<'PY'
import resource, statistics, subprocess, sys, time
itera, tmp, runs_fast, runs_cycle = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def run(trace, fid, progress, i):
    out = f"{tmp}/{fid}-{progress}-{i}.json"
    t0 = time.perf_counter()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(f"{tmp}/{fid}-{progress}-{i}.err", "wb") as err:
        subprocess.run([itera, "simulate", trace, "--fidelity", fid, "--no-timing", "--json", out, f"--{progress}"],
                       check=True, stdout=subprocess.DEVNULL, stderr=err)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return time.perf_counter() - t0, cpu, open(out, "rb").read()
print(f"{'fidelity':<8} {'runs':>5} {'off wall s':>11} {'on wall s':>10} {'on/off':>7} "
      f"{'off cpu s':>10} {'on cpu s':>9} {'on/off':>7} {'lines':>6}  reports")
for fid, trace, n in (("fast", f"{tmp}/llama.trace", runs_fast), ("cycle", f"{tmp}/opt.trace", runs_cycle)):
    wall = {"no-progress": [], "progress": []}
    cpu = {"no-progress": [], "progress": []}
    reports = set()
    for i in range(n):
        for progress in (("no-progress", "progress") if i % 2 == 0 else ("progress", "no-progress")):
            w, c, report = run(trace, fid, progress, i)
            wall[progress].append(w)
            cpu[progress].append(c)
            reports.add(report)
    lines = sum(open(f"{tmp}/{fid}-progress-{i}.err").read().count("\n") for i in range(n))
    off_w, on_w = statistics.median(wall["no-progress"]), statistics.median(wall["progress"])
    off_c, on_c = statistics.median(cpu["no-progress"]), statistics.median(cpu["progress"])
    print(f"{fid:<8} {n:>5} {off_w:>11.3f} {on_w:>10.3f} {on_w / off_w:>7.3f} {off_c:>10.3f} {on_c:>9.3f} "
          f"{on_c / off_c:>7.3f} {lines:>6}  {'identical' if len(reports) == 1 else 'DIFFERENT'}")
    if len(reports) != 1:
        sys.exit(1)
print("(medians of alternating runs; lines = progress lines written by all --progress runs)")
PY
