#!/usr/bin/env bash
# Command 2 of the README: installs what is missing, builds, and runs the whole test
# suite (Release), then builds and runs the unit tests again under AddressSanitizer
# and UndefinedBehaviorSanitizer. Exits non-zero on any failure.
#   ITERA_DATA_DIR  where the shared models and text live (default: ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== Release build and tests"
scripts/build.sh release
ctest --preset release -j "$(nproc)"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build and unit tests"
scripts/build.sh sanitize
# Three numerical end-to-end tests run in the Release stage only: under the sanitizers
# they took 100-210 s each (a quarter of this stage). Their parts have lighter tests
# that do run here: LayerPlanning.* (padding, reverting, allocation), the other
# DsePlanning tests, Eval.RtnKlRisesAsBitsFallStories260K.
heavy='^(DsePlanning\.SensitivityAllocationIsComparedWithUniformRanks|DsePlanning\.PaddingNeverRaisesCyclesOrErrorAndRevertingNeverRaisesCycles|Eval\.RtnKlRisesAsBitsFallBabyLlama)$'
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset sanitize -j "$(nproc)" -E "$heavy"
