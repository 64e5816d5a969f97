#!/usr/bin/env bash
# Installs the Debian packages itera-sim needs, and only those that are missing.
# Idempotent: running it twice changes nothing the second time.
#   scripts/install-deps.sh          what the build, the tests and the plots need
#   scripts/install-deps.sh --fuzz   only what scripts/fuzz.sh adds: clang 14, its
#                                    libFuzzer and sanitizer runtimes, llvm-symbolizer
#   scripts/install-deps.sh --slurm  only what scripts/test-slurm.sh adds: Slurm
#                                    (slurmctld, slurmd, sbatch, ...) and MUNGE
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libsystemc-dev
  libeigen3-dev
  libboost-program-options-dev
  libfmt-dev
  libgtest-dev libgmock-dev
  libbenchmark-dev
  libyaml-cpp-dev
  nlohmann-json3-dev
  python3 python3-matplotlib
)
if [ "${1:-}" = "--fuzz" ]; then
  PACKAGES=(clang-14 libclang-rt-14-dev libfuzzer-14-dev llvm-14)
elif [ "${1:-}" = "--slurm" ]; then
  PACKAGES=(slurm-wlm munge)
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--fuzz | --slurm]" >&2
  exit 2
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed."
  exit 0
fi

echo "install-deps: missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo)
  else
    echo "install-deps: not running as root and passwordless sudo is unavailable." >&2
    echo "  Run as root:   sudo $0" >&2
    echo "  or install by hand:   sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=()
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
