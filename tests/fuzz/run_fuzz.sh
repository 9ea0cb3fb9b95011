#!/usr/bin/env bash
# Fuzzes the EC2 Query layer: builds tests/fuzz/query_fuzz.cpp with serve/query.cpp alone
# (libFuzzer, ASan, UBSan; clang-14 and libclang-rt-14-dev, scripts/install-deps.sh --tests) and runs
# it for SECONDS on a copy of the seed corpus, so the corpus in the tree only changes by hand.
# Exits non-zero on a crash, a leak, undefined behaviour or a broken invariant; the input that
# found it is left in WORKDIR as crash-*, leak-* or timeout-* (rerun: WORKDIR/query_fuzz FILE).
#   run_fuzz.sh SECONDS [WORKDIR]        WORKDIR defaults to a new temporary directory
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: run_fuzz.sh SECONDS [WORKDIR]" >&2
  exit 2
fi
seconds=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
work=${2:-$(mktemp -d)}
mkdir -p "$work"
# -fno-sanitize-recover: undefined behaviour stops the run as a crash instead of a line in the log.
clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$src" \
  "$src/serve/query.cpp" "$src/tests/fuzz/query_fuzz.cpp" -o "$work/query_fuzz"
rm -rf "$work/corpus"
cp -r "$src/tests/fuzz/corpus/query" "$work/corpus"
echo "run_fuzz: $work/query_fuzz for ${seconds}s on a copy of tests/fuzz/corpus/query"
"$work/query_fuzz" -max_total_time="$seconds" -print_final_stats=1 -dict="$src/tests/fuzz/query.dict" \
  -artifact_prefix="$work/" "$work/corpus"
