#!/usr/bin/env bash
# Captures the simulator's reports over a fixed regression set, so that a refactor can
# be checked for byte-identical results:
#   scripts/golden_outputs.sh ITERA_BINARY OUT_DIR [--quick]
#   diff -r OLD_DIR NEW_DIR
# The set: the tests' ragged and compensated traces on ideal and small accelerators
# (ws / os / is, classic / overlapped, DDR4 / HBM2 / LPDDR4 / simple memory, single
# buffers, the dedicated low-rank array), a SCALE-Sim topology, and the main job
# (LLaMA-2-7B decode and prefill-512, 8-bit RTN and ITERA 4-bit + rank 64), each in
# both fidelities with --json and --csv, plus the sample sweep's results.csv.
# ITERA_SOURCE_DIR: the tree whose configs/sweep-array.yaml is swept (default: this one).
# --quick leaves out the cycle fidelity of the LLaMA-2-7B prefill (about a minute each).
set -euo pipefail
if [ $# -lt 2 ] || [ ! -x "$1" ]; then
  echo "usage: scripts/golden_outputs.sh ITERA_BINARY OUT_DIR [--quick]  (the first argument must be an executable itera)" >&2
  exit 2
fi
itera=$(realpath "$1")
out=$2
quick=${3:-}
mkdir -p "$out/in"
in=$out/in

row() {  # name kind M K N wbits rank repeat input acc
  echo "$1 $2 $3 $4 $5 ${6:-8} 8 0 ${7:-0} ${8:-1} ${9:--} ${10:--}"
}
{
  echo "itera-trace 1"
  row op0 dense 37 50 29
  row op1 dense 5 19 70
  row op2 dense 64 24 9
} >"$in/ragged.trace"
compensated() {  # M rank repeat
  local m=$1 rank=$2 rep=$3 name k n
  echo "itera-trace 1"
  echo "@source test"
  for spec in "q 256 256" "up 256 704" "down 704 256"; do
    read -r name k n <<<"$spec"
    row "$name" dense "$m" "$k" "$n" 4 0 "$rep"
    row "$name.lr_down" lr_down "$m" "$k" "$rank" 4 "$rank" "$rep"
    row "$name.lr_up" lr_up "$m" "$rank" "$n" 4 "$rank" "$rep" "$name.lr_down" "$name"
  done
}
compensated 1 16 1 >"$in/comp-m1.trace"
compensated 40 16 1 >"$in/comp-m40.trace"
compensated 96 24 2 >"$in/comp-m96.trace"
{
  echo "itera-trace 1"
  row qkt dense 1024 64 1024
  row lin dense 64 256 128
} >"$in/overlap.trace"
printf 'Layer,M,N,K,\ng0,37,29,50,\ng1,64,9,24,\n' >"$in/gemm.csv"

small() {  # extra array buffers
  local buffers='weight: {kb: 32}, input: {kb: 32}, output: {kb: 16}'
  printf 'array: {%s}\nbuffers: {%s}\n%s' "${2:-rows: 16, cols: 16}" "${3:-$buffers}" "${1:-}"
}
printf 'array: {rows: 8, cols: 5, dataflow: ws, timing: classic}\nmemory: {ideal: true}\n' >"$in/ideal-ws-classic.yaml"
printf 'array: {rows: 8, cols: 5, dataflow: os, timing: classic}\nmemory: {ideal: true}\n' >"$in/ideal-os-classic.yaml"
printf 'array: {rows: 8, cols: 5, dataflow: is, timing: classic}\nmemory: {ideal: true}\n' >"$in/ideal-is-classic.yaml"
printf 'array: {rows: 6, cols: 11, dataflow: ws, timing: overlapped}\nmemory: {ideal: true}\n' >"$in/ideal-ws-ovl.yaml"
printf 'array: {rows: 6, cols: 11, dataflow: os, timing: overlapped}\nmemory: {ideal: true}\n' >"$in/ideal-os-ovl.yaml"
printf 'array: {rows: 6, cols: 11, dataflow: is, timing: overlapped}\nmemory: {ideal: true}\n' >"$in/ideal-is-ovl.yaml"
small >"$in/small-ddr4.yaml"
small "memory: {dram: hbm2}"$'\n' >"$in/small-hbm2.yaml"
small "memory: {dram: lpddr4-3200}"$'\n' "rows: 8, cols: 12, dataflow: os, timing: classic" >"$in/small-lpddr4-os.yaml"
small "memory: {dram: simple}"$'\n' "rows: 12, cols: 8, dataflow: is" >"$in/small-simple-is.yaml"
small "" "rows: 16, cols: 16" \
  "weight: {kb: 8, double_buffer: false}, input: {kb: 32}, output: {kb: 4, banks: 1, ports: 1}" >"$in/small-single.yaml"
small "low_rank: {datapath: dedicated, dedicated_rows: 4, dedicated_cols: 4}"$'\n' >"$in/small-dedicated.yaml"
small "memory: {dram: ddr4-2400}"$'\n' "rows: 16, cols: 16, dataflow: is, timing: classic" >"$in/small-ddr4-2400-is.yaml"
small "low_rank: {datapath: dedicated}"$'\n' "rows: 16, cols: 16, dataflow: os" >"$in/small-dedicated-os.yaml"
cp "$in/small-ddr4.yaml" "$in/default-like.yaml"
echo "{}" >"$in/default.yaml"

sim() {  # name trace config fidelity
  local name=$1 trace=$2 config=$3 fid=$4
  local dir=$out/$name-$fid
  mkdir -p "$dir"
  "$itera" simulate "$trace" --config "$config" --fidelity "$fid" --no-timing \
    --json "$dir/report.json" --csv "$dir" >"$dir/table.txt" 2>"$dir/stderr.txt" || echo "exit $?" >>"$dir/stderr.txt"
}

for fid in fast cycle; do
  for c in ideal-ws-classic ideal-os-classic ideal-is-classic ideal-ws-ovl ideal-os-ovl ideal-is-ovl; do
    sim "ragged-$c" "$in/ragged.trace" "$in/$c.yaml" $fid
    sim "comp-m40-$c" "$in/comp-m40.trace" "$in/$c.yaml" $fid
  done
  sim "gemm-ideal-os-classic" "$in/gemm.csv" "$in/ideal-os-classic.yaml" $fid
  for c in small-ddr4 small-hbm2 small-lpddr4-os small-simple-is small-single small-dedicated small-ddr4-2400-is \
           small-dedicated-os default; do
    for t in ragged comp-m1 comp-m40 comp-m96 overlap; do
      sim "$t-$c" "$in/$t.trace" "$in/$c.yaml" $fid
    done
  done
done

# A waveform (cycle fidelity) and functional mode (codes of a saved decomposition).
mkdir -p "$out/vcd-ragged-small-ddr4"
"$itera" simulate "$in/ragged.trace" --config "$in/small-ddr4.yaml" --fidelity cycle --no-timing \
  --vcd "$out/vcd-ragged-small-ddr4/wave.vcd" >"$out/vcd-ragged-small-ddr4/table.txt"
"$itera" decompose --shape stories260k --method itera --form compensated --bits 4 --factor-bits 4 --rank 8 \
  --seed 0 --save "$in/layers.safetensors" >/dev/null
"$itera" trace --decomposition "$in/layers.safetensors" --phase prefill --seq-len 40 \
  -o "$in/layers.trace" >/dev/null
for df in ws os is; do
  for fid in fast cycle; do
    dir=$out/functional-$df-$fid
    mkdir -p "$dir"
    printf 'array: {rows: 8, cols: 6, dataflow: %s}\nbuffers: {weight: {kb: 2}, input: {kb: 2}, output: {kb: 2}}\n' \
      "$df" >"$in/functional-$df.yaml"
    "$itera" simulate "$in/layers.trace" --functional --decomposition "$in/layers.safetensors" \
      --config "$in/functional-$df.yaml" --fidelity "$fid" --no-timing --json "$dir/report.json" \
      | sed "s|$in/||" >"$dir/table.txt"
  done
done

# The main job.
for phase in decode prefill; do
  "$itera" trace --shape llama2-7b --phase "$phase" --seq-len 512 --method rtn --bits 8 \
    -o "$in/llama2-7b-$phase-rtn8.trace" >/dev/null
  "$itera" trace --shape llama2-7b --phase "$phase" --seq-len 512 --method itera --form compensated \
    --bits 4 --factor-bits 4 --rank 64 -o "$in/llama2-7b-$phase-itera4.trace" >/dev/null
  for variant in rtn8 itera4; do
    sim "llama2-7b-$phase-$variant" "$in/llama2-7b-$phase-$variant.trace" "$in/default.yaml" fast
    if [ "$phase" = decode ] || [ "$quick" != --quick ]; then
      sim "llama2-7b-$phase-$variant" "$in/llama2-7b-$phase-$variant.trace" "$in/default.yaml" cycle
    fi
  done
done

# The sample sweep, on the decode trace of OPT-125M.
"$itera" trace --shape opt-125m --phase decode --method rtn --bits 8 -o "$in/opt125m-decode.trace" >/dev/null
"$itera" sweep --sweep "${ITERA_SOURCE_DIR:-$(dirname "$0")/..}/configs/sweep-array.yaml" --trace "$in/opt125m-decode.trace" \
  --out "$out/sweep" --jobs 2 >"$out/sweep-stdout.txt" 2>&1
find "$out/sweep" -type f ! -name results.csv -delete
echo "golden outputs in $out"
