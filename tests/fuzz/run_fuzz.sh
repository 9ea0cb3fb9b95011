#!/usr/bin/env bash
# Fuzzes serve's wire layers, each for SECONDS on a copy of its seed corpus (so the corpus in the
# tree only changes by hand), built with libFuzzer, ASan and UBSan (clang-14 and
# libclang-rt-14-dev, scripts/install-deps.sh --tests):
#   query:  tests/fuzz/query_fuzz.cpp with serve/query.cpp alone (the EC2 Query API's form, request
#           and XML answers);
#   router: tests/fuzz/router_fuzz.cpp with serve/router.cpp (an HTTP request to the live service's
#           request: credential scope, headers, the Query layer under it);
#   cloudtrail: tests/fuzz/cloudtrail_fuzz.cpp with audit/read.cpp (any bytes as a CloudTrail file,
#           plain or gzip, read by `idemsim audit`).
# Exits non-zero on a crash, a leak, undefined behaviour or a broken invariant; the input that
# found it is left in WORKDIR as crash-*, leak-* or timeout-* (rerun: WORKDIR/TARGET_fuzz FILE).
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
build() {  # TARGET SOURCES...
  local target=$1
  shift
  clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$src" \
    "$@" "$src/tests/fuzz/${target}_fuzz.cpp" -o "$work/${target}_fuzz"
}
build query "$src/serve/query.cpp"
build router "$src/serve/query.cpp" "$src/serve/router.cpp" "$src/model/types.cpp"
build cloudtrail "$src/audit/read.cpp" "$src/sim/calendar.cpp" "$src/model/types.cpp" -lz
for target in query router cloudtrail; do
  rm -rf "$work/corpus-$target"
  cp -r "$src/tests/fuzz/corpus/$target" "$work/corpus-$target"
  echo "run_fuzz: $work/${target}_fuzz for ${seconds}s on a copy of tests/fuzz/corpus/$target"
  dict=$src/tests/fuzz/query.dict
  [ "$target" = cloudtrail ] && dict=$src/tests/fuzz/cloudtrail.dict
  "$work/${target}_fuzz" -max_total_time="$seconds" -print_final_stats=1 -dict="$dict" \
    -artifact_prefix="$work/$target-" "$work/corpus-$target"
done
