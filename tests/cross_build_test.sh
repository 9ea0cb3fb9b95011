#!/usr/bin/env bash
# Two builds of idemsim (say Release and Debug+sanitizers) must print the same replay, byte for
# byte, for every scenario at two seeds each.
# Usage: cross_build_test.sh IDEMSIM_A IDEMSIM_B SCENARIO_DIR
set -u
a=$1
b=$2
dir=$3
fails=0
passes=0
while IFS= read -r f; do
  for seed in 1 2; do
    if cmp -s <("$a" replay "$f" --seed $seed | grep -v '^reproduce:') <("$b" replay "$f" --seed $seed | grep -v '^reproduce:'); then
      passes=$((passes + 1))
    else
      echo "FAIL: $f --seed $seed differs between $a and $b"
      fails=$((fails + 1))
    fi
  done
done < <(find "$dir" -name '*.yaml' | sort)
echo "$passes passed, $fails failed"
[ "$fails" = 0 ] && [ "$passes" -gt 0 ]
