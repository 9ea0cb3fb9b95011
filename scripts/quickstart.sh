#!/usr/bin/env bash
# README command 1: install what is missing, build build/idemsim (Release), and run every
# scenario under scenarios/ with a summary: a row per directory, a line per bug caught, the full
# story of any scenario that did not meet its expect; results/ gets one JSON file per scenario and
# the whole report, results/report.html and results/report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DIDEMSIM_TESTS=OFF >/dev/null
echo "building build/idemsim (the compiler's output: build/build.log)"
if ! cmake --build build --target idemsim -j "$(nproc)" > build/build.log 2>&1; then
  tail -40 build/build.log
  echo "the build failed; the whole log is build/build.log" >&2
  exit 1
fi
if grep -q "warning:" build/build.log; then
  echo "the build gave $(grep -c 'warning:' build/build.log) compiler warning(s): build/build.log"
fi
exec build/idemsim run scenarios --summary --out results --md results/report.md --html results/report.html --force
