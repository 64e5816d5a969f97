#!/usr/bin/env bash
# Process start-up of the CLI, and what a sweep pays per point, for one build or two.
#   scripts/bench_startup.sh [ITERA] [OLD_ITERA] [ROUNDS] [SWEEP_RUNS]
#     ITERA       the itera binary (default build/release/sim/itera; itera-simulator beside it)
#     OLD_ITERA   optional: another build's itera (e.g. one from before the SystemC split),
#                 measured the same way, round by round alternating with ITERA
#     ROUNDS      rounds of hyperfine runs per command (default 5; 30 runs each, 3 warm-ups)
#     SWEEP_RUNS  runs of the 200-point sweep per build (default 5)
#
# Start-up: cheap invocations of every command that simulates nothing (their --help,
# `shapes`, `--version`), `itera-simulator --help` and `itera simulate --help` (the exec
# into the simulator), and /bin/true as the floor, each timed by hyperfine without a
# shell (-N). The commands are taken in turn, ROUNDS times over (and the builds alternate
# within each round), so that load from other jobs falls on all of them alike; the
# median of all runs of a command is printed, in milliseconds.
#
# Sweep: a 200-point grid (clock_mhz 1..2 x buffers.input.kb 1..100) on a one-GEMM trace
# that simulates in about a millisecond, --jobs 1, a fresh output directory each run;
# the builds alternate run by run. Prints the median wall time per point, and the CPU
# time per point of the sweep and its workers (less disturbed by other jobs than wall
# time; the wall time also holds the fsyncs of each point's config and report).
#
# Needs hyperfine (Debian package 'hyperfine': apt-get install hyperfine) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
itera=${1:-build/release/sim/itera}
old=${2:-}
rounds=${3:-5}
sweep_runs=${4:-5}
usage="usage: scripts/bench_startup.sh [ITERA] [OLD_ITERA] [ROUNDS] [SWEEP_RUNS]"
for bin in "$itera" ${old:+"$old"}; do
  [ -x "$bin" ] && [ -f "$bin" ] || { echo "$usage  ('$bin' is not an executable)" >&2; exit 2; }
done
[[ "$rounds" =~ ^[1-9][0-9]*$ && "$sweep_runs" =~ ^[1-9][0-9]*$ ]] ||
  { echo "$usage  (ROUNDS and SWEEP_RUNS are counts >= 1)" >&2; exit 2; }
command -v hyperfine >/dev/null 2>&1 ||
  { echo "bench_startup: needs hyperfine (Debian: apt-get install hyperfine)" >&2; exit 2; }
simulator="$(dirname "$itera")/itera-simulator"
[ -x "$simulator" ] || { echo "bench_startup: no itera-simulator beside $itera ($simulator)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'itera-trace 1\nfc dense 1 16 16 8 8 0 0 1 - -\n' >"$tmp/t.trace"
python3 - "$tmp/sweep.yaml" <<'PY'
import sys
kbs = ", ".join(str(i) for i in range(1, 101))
open(sys.argv[1], "w").write(f"trace: t.trace\ngrid:\n  clock_mhz: [1, 2]\n  buffers.input.kb: [{kbs}]\n")
PY

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp" "$rounds" "$sweep_runs" "$itera" "$simulator" "$old" <<'PY'
import json, os, resource, shutil, statistics, subprocess, sys, time
tmp, rounds, sweep_runs, itera, simulator, old = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:]

builds = [("after", itera)] + ([("before", old)] if old else [])
cases = [("/bin/true", None, ["/bin/true"])]
for label, binary in builds:
    for args in (["shapes"], ["--version"], ["decompose", "--help"], ["eval", "--help"], ["generate", "--help"],
                 ["trace", "--help"], ["dram", "--help"], ["resources", "--help"], ["simulate", "--help"]):
        cases.append((f"itera {' '.join(args)}", label, [binary] + args))
cases.append(("itera-simulator --help", "after", [simulator, "--help"]))

def quote(a):
    return a if a and all(c.isalnum() or c in "/._-=" for c in a) else "'" + a.replace("'", "'\\''") + "'"

times = {i: [] for i in range(len(cases))}
for r in range(rounds):
    for i, (_, _, argv) in enumerate(cases):
        out = f"{tmp}/h.json"
        p = subprocess.run(["hyperfine", "-N", "--warmup", "3", "--runs", "30", "--style", "none",
                            "--output", "null", "--export-json", out, " ".join(quote(a) for a in argv)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # its warnings about load: noise here
        if p.returncode != 0:
            sys.exit(f"bench_startup: hyperfine failed on {argv}:\n{p.stderr.decode()}")
        times[i] += json.load(open(out))["results"][0]["times"]

print(f"\nstart-up: median of {rounds} x 30 runs (hyperfine -N), ms")
print(f"{'command':<28} {'after':>8} {'before':>8}")
rows = {}
for i, (name, label, _) in enumerate(cases):
    rows.setdefault(name, {})[label or "after"] = statistics.median(times[i]) * 1000
    if label is None:
        rows[name]["before"] = rows[name]["after"]
for name, r in rows.items():
    cell = lambda k: f"{r[k]:8.2f}" if k in r else f"{'-':>8}"
    print(f"{name:<28} {cell('after')} {cell('before')}")

sweep = {label: [] for label, _ in builds}
for run in range(sweep_runs):
    for label, binary in builds:
        out = f"{tmp}/out"
        shutil.rmtree(out, ignore_errors=True)
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run([binary, "sweep", "--sweep", f"{tmp}/sweep.yaml", "--out", out, "--jobs", "1"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the sweep and its workers (it waits for them)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        if p.returncode != 0 or b"200 simulated, 0 reused, 0 failed" not in p.stdout:
            sys.exit(f"bench_startup: the sweep with {binary} failed:\n{p.stdout.decode()}{p.stderr.decode()}")
        sweep[label].append((wall, cpu))
print(f"\nsweep of 200 points, --jobs 1: median of {sweep_runs} alternating runs, per point")
for label, runs in sweep.items():
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    print(f"{label:<8} {wall / 200 * 1000:6.2f} ms wall, {cpu / 200 * 1000:6.2f} ms CPU (sweep + worker)")
PY
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
