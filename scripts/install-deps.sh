#!/usr/bin/env bash
# Installs the Debian 12 packages idemsim needs, only those that are missing. Run as root.
#   install-deps.sh           what building and running idemsim needs (README command 1)
#   install-deps.sh --tests   and what its test suite needs besides (README command 2, CI)
#   install-deps.sh --bench   and what the benchmark suite needs besides (bench/run.sh)
set -euo pipefail
packages=(
  g++ cmake ninja-build            # toolchain
  libboost-dev                     # Boost.Asio (thread pool, io_context loop)
  libyaml-cpp-dev                  # scenario files
  nlohmann-json3-dev               # result files (Boost 1.74 has no Boost.JSON)
  librapidcheck-dev                # `idemsim check`: the search for a failing story, and the property tests
  zlib1g-dev                       # `idemsim audit`: CloudTrail delivers its log files gzip'd
)
if [ "${1:-}" = "--tests" ]; then
  packages+=(
    libgtest-dev libgmock-dev      # unit tests
    libxml2-utils                  # xmllint: the JUnit report checked against its schema, the Query answers parsed
    chromium                       # headless: the HTML report rendered in a real browser
    awscli python3-boto3 nodejs npm # real clients for serve's tests (tests/serve_clients.sh); the
                                   # JavaScript SDK itself: tests/clients/install.sh (npm ci)
    clang-14 libclang-rt-14-dev    # libFuzzer, ASan, UBSan: the Query parser's fuzz test (fuzz.query)
  )
elif [ "${1:-}" = "--bench" ]; then
  packages+=(
    libns3-dev                     # the ns-3 peer of workload W1 (bench/peers/ns3_model.cc)
    libbenchmark-dev               # Google Benchmark: bench/micro_bench.cpp
    time                           # /usr/bin/time -v: peak memory of the scaling series
    git                            # the commit the figures are for
  )
elif [ $# -gt 0 ]; then
  echo "usage: install-deps.sh [--tests | --bench]" >&2
  exit 2
fi
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] && continue
  # A nodejs that ships its own npm (NodeSource's: Provides and Conflicts npm): installing
  # Debian's npm would remove it.
  [ "$p" = npm ] && command -v npm >/dev/null && continue
  missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this as root (or install them with apt-get)" >&2
  exit 2
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
