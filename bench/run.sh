#!/usr/bin/env bash
# The benchmark suite (docs/benchmarks.md), in one run on one machine, every figure beside its
# ratio to the bare loop measured in the same run:
#   1. W1 (bench/workload-w1.md), seeds 1..N, one thread, best of the repetitions, the engines
#      alternated within each repetition: the bare loop and ns-3 (bench/peers/), idemsim's event
#      loop (loop_bench: every property checked, the run's hash computed) and `idemsim run`
#      end to end (process start, loading, results file, the first seed run twice);
#   2. the scaling series: W1 with 100, 1k, 10k and 100k clients, the same 1,000,000 intents in
#      all (--quick: 100, 1k and 10k clients, 100,000 intents), events per second and peak memory
#      (/usr/bin/time -v);
#   3. `idemsim run --jobs 1` against `--jobs 2`: seeds per second;
#   4. the micro-benchmarks (build/micro_bench, Google Benchmark).
# Usage: bench/run.sh [--seeds N] [--reps N] [--quick] [--only w1|scale|jobs|micro]
#   defaults: 100 seeds, 5 repetitions (W1 and threads; the threads part runs 4 x N seeds). The
#   scaling series ignores both: its seeds are set by the intents it keeps, one run per size.
#   Needs: scripts/install-deps.sh --bench (ns-3, Google Benchmark, GNU time); what is missing is
#   said and skipped. Builds a Release build in build/ (BENCH_BUILD=DIR: another directory; a
#   Debug build/ is reconfigured as Release).
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=100 reps=5 quick=0 only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds|--reps|--only)
      [ $# -ge 2 ] || { echo "bench/run.sh: $1 needs a value" >&2; exit 2; }
      case "$1" in --seeds) seeds=$2;; --reps) reps=$2;; --only) only=$2;; esac
      shift 2;;
    --quick) quick=1; shift;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
    *) echo "usage: bench/run.sh [--seeds N] [--reps N] [--quick] [--only w1|scale|jobs|micro]" >&2; exit 2;;
  esac
done
case "$only" in ""|w1|scale|jobs|micro) ;; *) echo "bench/run.sh: --only takes w1, scale, jobs or micro" >&2; exit 2;; esac
case "$seeds$reps" in *[!0-9]*|"") echo "bench/run.sh: --seeds and --reps take whole numbers" >&2; exit 2;; esac
[ "$seeds" -ge 1 ] && [ "$reps" -ge 1 ] || { echo "bench/run.sh: --seeds and --reps must be at least 1" >&2; exit 2; }
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }

build=${BENCH_BUILD:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
tmp=$(mktemp -d "${TMPDIR:-/tmp}/idemsim-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# What the suite cannot do without is built first (a failure shows the compiler's output); the
# optional parts are built one by one, and one that is missing or fails to build is said and skipped.
if ! cmake --build "$build" --target idemsim loop_bench w1_bare > "$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2; echo "bench/run.sh: the build failed" >&2; exit 1
fi
have_ns3=0 have_micro=0
if ! want w1; then :
elif ! grep -q '^IDEM_NS3_CORE:FILEPATH=/' "$build/CMakeCache.txt"; then
  echo "(no ns-3: the ns-3 peer is skipped; scripts/install-deps.sh --bench installs libns3-dev)"
elif cmake --build "$build" --target w1_ns3 > "$tmp/build.log" 2>&1; then have_ns3=1
else echo "(the ns-3 peer did not build: skipped; the compiler said:)"; tail -20 "$tmp/build.log"; fi
if ! want micro; then :
elif ! grep -q 'build micro_bench:' "$build/build.ninja"; then
  echo "(no Google Benchmark: the micro-benchmarks are skipped; scripts/install-deps.sh --bench)"
elif cmake --build "$build" --target micro_bench > "$tmp/build.log" 2>&1; then have_micro=1
else echo "(micro_bench did not build: skipped; the compiler said:)"; tail -20 "$tmp/build.log"; fi
w1=scenarios/bench/idem-launch-v1.yaml

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
# Runs a command of the suite; one that fails stops the suite and says which, with what it printed.
run() {
  local out
  if ! out=$("$@" 2>&1); then
    echo "bench/run.sh: this failed (exit status $?): $*" >&2
    echo "$out" | tail -20 >&2
    exit 1
  fi
  printf '%s\n' "$out"
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
now_ns() { date +%s%N; }
# A W1 variant: `count` clients, the rest as W1.
variant() { sed -e "s/^    count: 100\$/    count: $1/" "$w1" > "$2"; grep -q "count: $1\$" "$2"; }

echo "# idemsim benchmark suite: $(date -u +%Y-%m-%d), $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
git diff --quiet HEAD 2>/dev/null || commit="$commit, with uncommitted changes"
echo "# commit $commit; seeds=$seeds reps=$reps"

if want w1; then
  echo
  echo "## W1: $seeds seeds, one thread, best of $reps (the engines alternated in each repetition)"
  b_bare="" b_ns3="" b_loop="" b_asio="" b_run="" l_bare="" l_ns3="" l_loop=""
  for _ in $(seq "$reps"); do
    l_bare=$(run "$build/w1_bare" --seeds "$seeds" --reps 1); b_bare=$(min "$b_bare" "$(field best_s "$l_bare")")
    if [ $have_ns3 = 1 ]; then l_ns3=$(run "$build/w1_ns3" --seeds "$seeds" --reps 1); b_ns3=$(min "$b_ns3" "$(field best_s "$l_ns3")"); fi
    l_loop=$(run "$build/loop_bench" "$w1" --seeds "$seeds" --reps 1 --dispatch direct); b_loop=$(min "$b_loop" "$(field best_s "$l_loop")")
    l_asio=$(run "$build/loop_bench" "$w1" --seeds "$seeds" --reps 1 --dispatch asio); b_asio=$(min "$b_asio" "$(field best_s "$l_asio")")
    t0=$(now_ns)
    run "$build/idemsim" run "$w1" --runs "$seeds" --jobs 1 --quiet --out "$tmp/results" >/dev/null
    t1=$(now_ns)
    b_run=$(min "$b_run" "$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.6f", d / 1e9 }')")
  done
  echo "| engine | events | instances | wall (s) | vs bare |"
  echo "| --- | --- | --- | --- | --- |"
  echo "| bare priority_queue + switch (bench/peers/bare_loop.cpp) | $(field events "$l_bare") | $(field instances "$l_bare") | $b_bare | 1.00 |"
  [ $have_ns3 = 0 ] || echo "| ns-3 event core (bench/peers/ns3_model.cc) | $(field events "$l_ns3") | $(field instances "$l_ns3") | $b_ns3 | $(ratio "$b_ns3" "$b_bare") |"
  echo "| idemsim event loop, every property checked (loop_bench) | $(field events "$l_loop") | $(field instances "$l_loop") | $b_loop | $(ratio "$b_loop" "$b_bare") |"
  echo "| the same loop, each event dispatched through a Boost.Asio io_context | $(field events "$l_asio") | $(field instances "$l_asio") | $b_asio | $(ratio "$b_asio" "$b_bare") |"
  echo "| \`idemsim run ... --runs $seeds --jobs 1\`, end to end | | | $b_run | $(ratio "$b_run" "$b_bare") |"
  echo
  # The peers run the workload's validation mode and must agree exactly; idemsim draws its own
  # streams (the idiomatic mode): the same instances (one per intent), events of its own kinds.
  if [ $have_ns3 = 1 ] && [ "$(field events "$l_bare") $(field attempts "$l_bare") $(field instances "$l_bare")" != \
       "$(field events "$l_ns3") $(field attempts "$l_ns3") $(field instances "$l_ns3")" ]; then
    echo "MISMATCH: the bare loop and ns-3 differ: $l_bare / $l_ns3"; exit 1
  fi
  if [ "$(field violations "$l_loop")" != 0 ]; then
    echo "VIOLATIONS: idemsim found $(field violations "$l_loop") on W1, which expects none"; exit 1
  fi
  if [ "$(field instances "$l_bare")" != "$(field instances "$l_loop")" ]; then
    echo "MISMATCH: instances: bare $(field instances "$l_bare"), idemsim $(field instances "$l_loop")"; exit 1
  fi
  echo "counts: the peers agree (events, attempts, instances); idemsim launched the same instances; hash_sum=$(field hash_sum "$l_loop")"
fi

if want scale; then
  total=1000000 sizes="100 1000 10000 100000"
  [ $quick = 0 ] || total=100000 sizes="100 1000 10000"
  echo
  echo "## Scaling: W1 with more clients, $total intents at each size (one thread; peak memory of the process)"
  echo "| clients | seeds | engine | events | wall (s) | events/s | vs 100 clients | peak memory (MB) |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  base_idem="" base_bare=""
  for n in $sizes; do
    s=$((total / (n * 10)))
    variant "$n" "$tmp/w1-$n.yaml"
    for engine in bare idemsim; do
      if [ $engine = bare ]; then cmd=("$build/w1_bare" --clients "$n" --seeds "$s" --reps 1)
      else cmd=("$build/loop_bench" "$tmp/w1-$n.yaml" --seeds "$s" --reps 1 --dispatch direct); fi
      if [ -x /usr/bin/time ]; then
        line=$(run /usr/bin/time -v -o "$tmp/time" "${cmd[@]}")
        peak=$(awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$tmp/time")
      else
        line=$(run "${cmd[@]}"); peak="(no /usr/bin/time)"
      fi
      ev=$(field events "$line"); wall=$(field best_s "$line")
      eps=$(awk -v e="$ev" -v w="$wall" 'BEGIN { printf "%.0f", e / w }')
      if [ $engine = bare ]; then [ -n "$base_bare" ] || base_bare=$eps; rel=$(ratio "$eps" "$base_bare")
      else [ -n "$base_idem" ] || base_idem=$eps; rel=$(ratio "$eps" "$base_idem"); fi
      echo "| $n | $s | $engine | $ev | $wall | $eps | $rel | $peak |"
    done
  done
fi

if want jobs; then
  runs=$((seeds * 4))
  echo
  echo "## Threads: \`idemsim run\` on W1, $runs seeds, best of $reps (alternated)"
  j1="" j2=""
  for _ in $(seq "$reps"); do
    for j in 1 2; do
      t0=$(now_ns)
      run "$build/idemsim" run "$w1" --runs "$runs" --jobs "$j" --quiet --out "$tmp/results" >/dev/null
      t1=$(now_ns)
      d=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.6f", d / 1e9 }')
      if [ $j = 1 ]; then j1=$(min "$j1" "$d"); else j2=$(min "$j2" "$d"); fi
    done
  done
  echo "| --jobs | wall (s) | seeds/s | vs --jobs 1 |"
  echo "| --- | --- | --- | --- |"
  echo "| 1 | $j1 | $(awk -v r=$runs -v w="$j1" 'BEGIN { printf "%.0f", r / w }') | 1.00 |"
  echo "| 2 | $j2 | $(awk -v r=$runs -v w="$j2" 'BEGIN { printf "%.0f", r / w }') | $(ratio "$j1" "$j2") |"
fi

if want micro && [ $have_micro = 1 ]; then
  echo
  echo "## Micro-benchmarks (build/micro_bench)"
  run "$build/micro_bench" --benchmark_min_time=0.2 | sed -n '/^Benchmark/,$p'
fi
