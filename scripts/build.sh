#!/usr/bin/env bash
# Configures and builds one CMake preset (default: release) with all cores; all
# targets, or only the ones named.
#   scripts/build.sh [release|sanitize] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
shift || true
cmake --preset "$preset" >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build --preset "$preset" -j "$(nproc)" "${targets[@]}"
