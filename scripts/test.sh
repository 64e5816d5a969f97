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
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset sanitize -j "$(nproc)"
