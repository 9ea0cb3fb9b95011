#!/usr/bin/env bash
# The benchmark suite's peers are the workload they claim to be (bench/workload-w1.md):
#   - the bare loop and the ns-3 model (when built) give the same counts, bit for bit, in the
#     workload's validation mode (the draws belong to the clients, so the engines' tie-breaking
#     cannot change them), at the default size and at a larger one;
#   - the counts are the workload's: every request launches once, one instance per intent, the
#     events are the attempts plus what each attempt caused;
#   - idemsim's own loop on W1 launches the same instances (one per intent) at the same seeds.
# Usage: bench_peers.sh BARE NS3|"" LOOP_BENCH SOURCE_DIR
set -euo pipefail
bare=$1 ns3=$2 loop=$3 src=$4
fail() { echo "FAIL: $*"; exit 1; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
for args in "--seeds 5" "--clients 1000 --seeds 2 --requests 3"; do
  # shellcheck disable=SC2086
  b=$("$bare" $args --reps 1) || fail "the bare loop exited $? (1: it found a violation): $b"
  echo "$b"
  ok=$(field ok "$b") gave=$(field gave_up "$b") inst=$(field instances "$b") att=$(field attempts "$b")
  [ $((ok + gave)) -gt 0 ] && [ "$inst" -gt 0 ] || fail "nothing ran"
  [ "$att" -ge "$inst" ] || fail "fewer attempts than instances"
  # Each event is a send, or caused by one: a timeout for every send, and at most three more.
  ev=$(field events "$b")
  [ "$ev" -ge $((2 * att)) ] && [ "$ev" -le $((5 * att)) ] || fail "events $ev against attempts $att"
  if [ -n "$ns3" ]; then
    # shellcheck disable=SC2086
    n=$("$ns3" $args --reps 1) || fail "the ns-3 peer exited $?: $n"
    echo "$n"
    for k in events attempts instances repeats ok gave_up; do
      [ "$(field "$k" "$b")" = "$(field "$k" "$n")" ] || fail "$k: bare $(field "$k" "$b"), ns-3 $(field "$k" "$n")"
    done
  fi
done
b=$("$bare" --seeds 5 --reps 1) || fail "the bare loop exited $?"
l=$("$loop" "$src/scenarios/bench/idem-launch-v1.yaml" --seeds 5 --reps 1 --dispatch direct) || fail "loop_bench exited $?"
echo "$l"
[ "$(field instances "$b")" = "$(field instances "$l")" ] || fail "instances: bare $(field instances "$b"), idemsim $(field instances "$l")"
[ "$(field instances "$l")" = 5000 ] || fail "W1 at 5 seeds launches 5 x 100 x 10 instances"
echo "ok"
