#!/usr/bin/env bash
# README command 2 (and CI): the whole test suite, twice.
#  1. build-asan/: Debug with AddressSanitizer + UndefinedBehaviorSanitizer, every test.
#  2. build/:      Release, every test, plus the check that both builds replay every scenario
#                  to the same bytes (determinism across build types).
# Both with IDEMSIM_WERROR=ON: a compiler warning fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --tests
# The JavaScript SDK serve's real-client test runs (npm ci, when stale). Without the npm registry
# the suite still runs: serve.real_clients runs the other clients' cases and reports itself skipped.
bash tests/clients/install.sh || echo "warning: the JavaScript SDK could not be installed (above); serve.real_clients skips its cases" >&2
jobs=$(nproc)
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== Debug + AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DIDEMSIM_SANITIZE=ON -DIDEMSIM_TESTS=ON -DIDEMSIM_WERROR=ON >/dev/null
cmake --build build-asan -j "$jobs"
(cd build-asan && ctest --output-on-failure -j "$jobs")

echo "== Release (build/), with the cross-build replay check against build-asan/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DIDEMSIM_TESTS=ON -DIDEMSIM_WERROR=ON -DIDEMSIM_COMPARE_WITH="$PWD/build-asan/idemsim" >/dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs")
