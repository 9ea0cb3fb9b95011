#!/usr/bin/env bash
# Workload W1 (bench/workload-w1.md) side by side, in one run on one machine:
#   the peers (bare priority-queue loop, ns-3 event core) from $PEERS_DIR/run.sh when present,
#   idemsim's own loop on scenarios/bench/idem-launch-v1.yaml, dispatched directly and via Asio,
#   and the whole program: `idemsim run ... --runs N --jobs 1`, timed end to end.
# Usage: bench/run.sh [--seeds N] [--reps N]      (defaults 100 seeds, 3 reps; best of reps)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=100 reps=3
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2;;
    --reps) reps=$2; shift 2;;
    -h|--help) sed -n '2,7p' "$0"; exit 0;;
    *) echo "usage: bench/run.sh [--seeds N] [--reps N]" >&2; exit 2;;
  esac
done
peers=${PEERS_DIR:-../shared/bench/peers}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target idemsim loop_bench >/dev/null
echo "== peers"
if [ -f "$peers/run.sh" ]; then
  bash "$peers/run.sh" --clients 100 --seeds "$seeds" --reps "$reps"
else
  echo "(no peers at $peers: set PEERS_DIR to a directory with the peers' run.sh to compare; bench/workload-w1.md)"
fi
echo "== idemsim event loop (loop_bench)"
build/loop_bench scenarios/bench/idem-launch-v1.yaml --seeds "$seeds" --reps "$reps"
echo "== idemsim run, end to end (one thread, results file included)"
best=""
for _ in $(seq "$reps"); do
  t0=$(date +%s%N)
  build/idemsim run scenarios/bench/idem-launch-v1.yaml --runs "$seeds" --jobs 1 --out "${TMPDIR:-/tmp}/idemsim-bench" >/dev/null
  t1=$(date +%s%N)
  ms=$(( (t1 - t0) / 1000000 ))
  if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
done
echo "idemsim run --runs $seeds --jobs 1: best_ms=$best"
