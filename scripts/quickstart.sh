#!/usr/bin/env bash
# README command 1: install what is missing, build build/idemsim (Release), and run every
# scenario under scenarios/ with a summary table; results go to results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target idemsim -j "$(nproc)"
exec build/idemsim run scenarios --out results
