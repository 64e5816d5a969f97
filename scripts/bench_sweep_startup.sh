#!/usr/bin/env bash
# Start-up of a large sweep: a grid of POINTS points (clock_mhz x buffers.input.kb) on a
# one-GEMM trace that simulates in milliseconds. Prints the seconds from the start of
# `itera sweep` to its first finished point, and the number of point configs on disk at
# that moment; then stops the sweep (SIGTERM) and prints how long that took.
#   scripts/bench_sweep_startup.sh [ITERA] [POINTS (a multiple of 100, <= 1000000)] [JOBS]
set -euo pipefail
cd "$(dirname "$0")/.."
itera=${1:-build/release/sim/itera}
points=${2:-100000}
jobs=${3:-2}
if [ ! -x "$itera" ]; then
  echo "usage: scripts/bench_sweep_startup.sh [ITERA] [POINTS] [JOBS]  ('$itera' is not an executable)" >&2
  exit 2
fi
if ! [[ "$points" =~ ^[1-9][0-9]*00$ ]] || [ "$points" -gt 1000000 ] || ! [[ "$jobs" =~ ^[1-9][0-9]*$ ]]; then
  echo "bench_sweep_startup: POINTS must be a multiple of 100 up to 1000000 and JOBS >= 1 (got '$points', '$jobs')" >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'itera-trace 1\nfc dense 1 16 16 8 8 0 0 1 - -\n' >"$tmp/t.trace"
python3 - "$tmp/sweep.yaml" "$points" <<'PY'
import sys
path, points = sys.argv[1], int(sys.argv[2])
clocks = ", ".join(str(i) for i in range(1, points // 100 + 1))
kbs = ", ".join(str(i) for i in range(1, 101))
open(path, "w").write(f"trace: t.trace\ngrid:\n  clock_mhz: [{clocks}]\n  buffers.input.kb: [{kbs}]\n")
PY
python3 - "$itera" "$tmp" "$jobs" <<'PY'
import os, signal, subprocess, sys, time
itera, tmp, jobs = sys.argv[1], sys.argv[2], sys.argv[3]
out = open(f"{tmp}/stdout", "wb")
t0 = time.perf_counter()
p = subprocess.Popen([itera, "sweep", "--sweep", f"{tmp}/sweep.yaml", "--out", f"{tmp}/out", "--jobs", jobs],
                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
first = None
while p.poll() is None:
    text = open(f"{tmp}/stdout", "rb").read()
    if b"\n[1/" in text:
        first = time.perf_counter() - t0
        break
    time.sleep(0.01)
configs = sum(1 for n in os.listdir(f"{tmp}/out/points") if n.endswith(".yaml")) if os.path.isdir(f"{tmp}/out/points") else 0
t1 = time.perf_counter()
p.send_signal(signal.SIGTERM)
try:
    p.wait(timeout=120)
except subprocess.TimeoutExpired:
    p.kill()
stop = time.perf_counter() - t1
time.sleep(0.5)
def left():
    # A worker is a fork of the sweep: its standard error is its point's DIR/points/NNNN.err
    # (an older build's exec'd worker also named DIR/points/ in its command line).
    found = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        try:
            err = os.readlink(f"/proc/{pid}/fd/2")
        except OSError:
            err = ""
        found += f"{tmp}/out/points/".encode() in cmdline or err.startswith(f"{tmp}/out/points/")
    return found
survivors = left()
try:
    os.killpg(p.pid, signal.SIGKILL)  # whatever is left of the sweep's process group
except ProcessLookupError:
    pass
temps = sum(1 for root, _, names in os.walk(f"{tmp}/out") for n in names if ".tmp." in n)
print(f"first point finished after {first:.2f} s" if first is not None else "no point finished")
print(f"point configs on disk then: {configs}")
print(f"stopped (SIGTERM) in {stop:.2f} s, exit status {p.returncode}; "
      f"workers still running 0.5 s later: {survivors}; temp files left: {temps}")
PY
