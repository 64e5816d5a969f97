#!/usr/bin/env bash
# Command 1 of the README: installs what is missing, builds, and runs the main job
# on its built-in default: decomposition reports for TinyLlama-1.1B's linear layers
# (catalog shapes, seeded synthetic weights with an LLM-like spectrum): 3-bit
# quantization alone (per channel, then group-wise g128), and 3-bit weights
# compensated by rank-32 ITERA factors at 4 bits.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release itera
itera=build/release/sim/itera
mkdir -p out

run() {
  echo "\$ $*"
  "$@"
  echo
}
run "$itera" decompose --shape tinyllama-1.1b --method rtn --bits 3 --json out/default-rtn.json
run "$itera" decompose --shape tinyllama-1.1b --method rtn --bits 3 --group 128 --json out/default-rtn-g128.json
run "$itera" decompose --shape tinyllama-1.1b --method itera --form compensated --bits 3 --factor-bits 4 --rank 32 \
  --json out/default-itera.json --save out/default-itera.safetensors
echo "JSON reports in out/default-*.json; compressed layers in out/default-itera.safetensors"
