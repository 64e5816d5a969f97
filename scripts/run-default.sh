#!/usr/bin/env bash
# Command 1 of the README: installs what is missing, builds, and runs the main job on
# its built-in default: LLaMA-2-7B (catalog shapes) on the default accelerator
# (configs/default.yaml: 32x32 weight-stationary array at 1 GHz, DDR4-3200), one decode
# step and a 512-token prefill, with
#   * 8-bit RTN weights (quantization only), and
#   * ITERA compensated: 4-bit weights + rank-64 low-rank factors at 4 bits,
# simulated by the SystemC model (fast fidelity), then a side-by-side summary; then the
# co-design exploration configs/dse-default.yaml (stories260K from ../shared/data, real
# accuracy, rtn vs ITERA over bits, ranks and 9 array shapes) with its headline table
# and plots (out/dse-default/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release itera
itera=build/release/sim/itera
out=out
mkdir -p "$out"

run() {
  echo "\$ $*"
  "$@"
  echo
}

for phase in decode prefill; do
  run "$itera" trace --shape llama2-7b --phase "$phase" --seq-len 512 --method rtn --bits 8 \
    -o "$out/llama2-7b-$phase-rtn8.trace"
  run "$itera" trace --shape llama2-7b --phase "$phase" --seq-len 512 --method itera --form compensated \
    --bits 4 --factor-bits 4 --rank 64 -o "$out/llama2-7b-$phase-itera4.trace"
  for variant in rtn8 itera4; do
    run "$itera" simulate "$out/llama2-7b-$phase-$variant.trace" \
      --json "$out/sim-$phase-$variant.json" --csv "$out/sim-$phase-$variant"
  done
done

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
print("LLaMA-2-7B linear layers on the default accelerator (fast fidelity)")
print(f"{'phase':<8} {'weights':<28} {'total cycles':>14} {'latency':>12} {'PE util':>8} {'DRAM read':>14}")
for phase in ("decode", "prefill"):
    base = None
    for variant, label in (("rtn8", "8-bit RTN"), ("itera4", "ITERA 4-bit + r64 4-bit")):
        r = json.load(open(f"{out}/sim-{phase}-{variant}.json"))
        base = base or r["total_cycles"]
        speed = base / r["total_cycles"]
        print(f"{phase:<8} {label:<28} {r['total_cycles']:>14,} {r['latency_us']/1000:>9.2f} ms "
              f"{100*r['pe_utilization']:>7.1f}% {r['dram_read_bytes']:>14,}  ({speed:.2f}x)")
print(f"reports: {out}/sim-*.json, {out}/sim-*/COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv")
PY

echo
# The DSE needs the shared models: ../shared/data beside the project, or $ITERA_DATA_DIR
# (the spec's paths are rewritten to it).
data="${ITERA_DATA_DIR:-$PWD/../shared/data}"
if [ -f "$data/models/stories260K.bin" ]; then
  data="$(cd "$data" && pwd)"
  sed "s|\.\./\.\./shared/data|$data|g" configs/dse-default.yaml >"$out/dse-default.yaml"
  run "$itera" dse --spec "$out/dse-default.yaml" --out "$out/dse-default" --jobs "$(nproc)"
  scripts/plot_dse.py "$out/dse-default"
else
  echo "run-default: skipping the co-design exploration (configs/dse-default.yaml): the shared models are" \
    "not in '$data'; put ../shared/data beside the project or set ITERA_DATA_DIR"
fi
