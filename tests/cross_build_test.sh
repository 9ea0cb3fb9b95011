#!/usr/bin/env bash
# Two builds of idemsim (say Release and Debug+sanitizers) must print the same replay, byte for
# byte, for every scenario at two seeds each, and exit alike (0: held, 1: a property broke).
# A replay that prints nothing, crashes or exits with anything else is a failure, so two broken
# programs cannot agree their way to a pass.
# Usage: cross_build_test.sh IDEMSIM_A IDEMSIM_B SCENARIO_DIR
set -u
a=$1
b=$2
dir=$3
fails=0
passes=0
while IFS= read -r f; do
  for seed in 1 2; do
    out_a=$("$a" replay "$f" --seed $seed 2>&1); rc_a=$?
    out_b=$("$b" replay "$f" --seed $seed 2>&1); rc_b=$?
    why=""
    if [ "$rc_a" -gt 1 ] || [ "$rc_b" -gt 1 ]; then
      why="exit codes $rc_a and $rc_b (a replay exits 0 or 1)"
    elif [ "$rc_a" != "$rc_b" ]; then
      why="exit codes differ: $rc_a and $rc_b"
    elif ! grep -q '^trace-hash: 0x' <<<"$out_a"; then
      why="no trace hash in the output"
    elif [ "$(grep -v '^reproduce:' <<<"$out_a")" != "$(grep -v '^reproduce:' <<<"$out_b")" ]; then
      why="the replays differ"
    fi
    if [ -z "$why" ]; then
      passes=$((passes + 1))
    else
      echo "FAIL: $f --seed $seed: $why ($a vs $b)"
      fails=$((fails + 1))
    fi
  done
done < <(find "$dir" -name '*.yaml' | sort)
# `check` writes the same counterexample from both builds (the comments too, once the program's
# and the directory's names are taken out), and exits alike, for the searches under detect/ and
# service/.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
while IFS= read -r f; do
  rm -rf "$tmp/a" "$tmp/b"
  "$a" check "$f" --out "$tmp/a" >/dev/null 2>&1; rc_a=$?
  "$b" check "$f" --out "$tmp/b" >/dev/null 2>&1; rc_b=$?
  why=""
  if [ "$rc_a" -gt 1 ] || [ "$rc_b" -gt 1 ] || [ "$rc_a" != "$rc_b" ]; then
    why="check exit codes $rc_a and $rc_b"
  elif [ "$rc_a" = 1 ]; then
    cx="$(basename "$f" .yaml)-counterexample.yaml"
    if [ ! -s "$tmp/a/$cx" ] || ! cmp -s <(sed -e "s|$a|PROGRAM|g" -e "s|$tmp/a|OUT|g" "$tmp/a/$cx") \
                                          <(sed -e "s|$b|PROGRAM|g" -e "s|$tmp/b|OUT|g" "$tmp/b/$cx"); then
      why="the counterexamples differ"
    fi
  fi
  if [ -z "$why" ]; then
    passes=$((passes + 1))
  else
    echo "FAIL: check $f: $why ($a vs $b)"
    fails=$((fails + 1))
  fi
done < <(find "$dir" \( -path '*/detect/*' -o -path '*/service/*' \) -name '*.yaml' | sort)
echo "$passes passed, $fails failed"
[ "$fails" = 0 ] && [ "$passes" -gt 0 ]
