#!/usr/bin/env bash
# The detection table (docs/detection.md): for every planted bug and every broken design, run
# `idemsim check` on its scenario (whose `explore:` envelope, or the default one, allows the fault
# kinds and caller settings it needs and names no trigger: check sets the scenario's own faults
# aside) at a fixed seed, and on its twin without the bug with the same budget. Exits 1 when a
# bug is not found, a twin yields a counterexample, or a bug of docs/bugs.md has no row.
#
# Usage: bash scripts/detection.sh [--idemsim BIN] [--out FILE] [--seed N] [--runs N]
#   defaults: build/idemsim, docs/detection.md, seed 1, 200 runs
set -uo pipefail
cd "$(dirname "$0")/.."
bin=build/idemsim
out=docs/detection.md
seed=1
runs=200
while [ $# -gt 0 ]; do
  case $1 in
    --idemsim) bin=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "detection.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "detection.sh: $bin is not built; run bash scripts/quickstart.sh first, or give --idemsim" >&2; exit 2; }

# What is planted | its scenario | the twin without it (all under scenarios/).
rows=(
  "bug record-after-launch|rules/rule7-inflight+record-after-launch.yaml|rules/rule7-inflight.yaml"
  "bug no-inflight-join|rules/rule7-inflight+no-inflight-join.yaml|rules/rule7-inflight.yaml"
  "bug case-insensitive-token|detect/token-values+case-insensitive-token.yaml|detect/token-values.yaml"
  "bug token-length-65|detect/token-values+token-length-65.yaml|detect/token-values.yaml"
  "bug non-ascii-token|detect/token-values+non-ascii-token.yaml|detect/token-values.yaml"
  "bug token-prefix-32|detect/token-values+token-prefix-32.yaml|detect/token-values.yaml"
  "bug global-token-table|detect/token-scopes+global-token-table.yaml|detect/token-scopes.yaml"
  "bug ignore-zone-scope|detect/token-scopes+ignore-zone-scope.yaml|detect/token-scopes.yaml"
  "bug zone-as-parameter|detect/token-zones-2013+zone-as-parameter.yaml|detect/token-zones-2013.yaml"
  "bug mismatch-ignores-type|rules/rule3-mismatch-type+mismatch-ignores-type.yaml|rules/rule3-mismatch-type.yaml"
  "bug mismatch-ignores-subnet|rules/rule3-mismatch-subnet+mismatch-ignores-subnet.yaml|rules/rule3-mismatch-subnet.yaml"
  "bug mismatch-vs-first-launch|rules/rule3-mismatch-after-failed-first+mismatch-vs-first-launch.yaml|rules/rule3-mismatch-after-failed-first.yaml"
  "bug relaunch-after-terminated|rules/rule5-current-terminated+relaunch-after-terminated.yaml|rules/rule5-current-terminated.yaml"
  "bug original-after-terminated|rules/rule5-current-terminated+original-after-terminated.yaml|rules/rule5-current-terminated.yaml"
  "bug retention-from-launch|rules/rule5-2013-within-retention+retention-from-launch.yaml|rules/rule5-2013-within-retention.yaml"
  "bug forget-at-termination|rules/rule5-current-terminated+forget-at-termination.yaml|rules/rule5-current-terminated.yaml"
  "bug degraded-repeat|rules/rule2-repeat+degraded-repeat.yaml|rules/rule2-repeat.yaml"
  "bug decide-at-arrival|rules/rule5-current-decided-at-admission+decide-at-arrival.yaml|rules/rule5-current-decided-at-admission.yaml"
  "bug token-per-attempt|rules/caller-persisted-response-loss+token-per-attempt.yaml|rules/caller-persisted-response-loss.yaml"
  "bug new-token-per-app-retry|rules/caller-persisted-response-loss+new-token-per-app-retry.yaml|rules/caller-persisted-response-loss.yaml"
  "bug new-token-on-mismatch|rules/caller-mismatch-after-lost-launch+new-token-on-mismatch.yaml|rules/caller-mismatch-after-lost-launch.yaml"
  "design store write: read-then-write|service/read-then-write-duplicate-delivery.yaml|service/conditional-duplicate-delivery.yaml"
  "design store replicas with lag (read-then-write)|service/lagging-replica.yaml|service/lagging-replica-conditional.yaml"
  "design store durability: volatile|service/volatile-store-crash.yaml|service/durable-store-crash.yaml"
  "design recover: false|service/crash-between-launch-and-record-no-recovery.yaml|service/crash-between-launch-and-record.yaml"
  "design store ttl shorter than the retries|service/ttl-shorter-than-retries.yaml|service/ttl-longer-than-retries.yaml"
  "design token: per-attempt|incidents/07-token-per-attempt.yaml|incidents/07-token-per-attempt-fixed.yaml"
  "design token: timestamp|incidents/02-timestamp-collision.yaml|incidents/02-timestamp-collision-fixed.yaml"
  "design controller.state: volatile|incidents/08-controller-crash-before-record.yaml|incidents/08-controller-crash-before-record-fixed.yaml"
  "design token behaviour drawn (per-attempt, timestamp)|detect/token-behaviours-broken.yaml|detect/token-behaviours.yaml"
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
table=""
for row in "${rows[@]}"; do
  IFS='|' read -r what file twin <<<"$row"
  log="$tmp/out.txt"
  "$bin" check "scenarios/$file" --seed "$seed" --runs "$runs" --out "$tmp/cx" >"$log" 2>&1
  rc=$?
  if [ $rc -ne 1 ]; then
    case $rc in 0) why="not found in $runs runs" ;; *) why="check failed (exit $rc): $(tail -1 "$log")" ;; esac
    echo "NOT FOUND: $what in scenarios/$file: $why" >&2
    bad=1
    table+="| $what | \`$file\` | $why | | | | | | | | | | |"$'\n'
    continue
  fi
  head=$(head -1 "$log")
  tried=$(sed -nE 's/.*counterexample after ([0-9]+) runs?.*/\1/p' <<<"$head")
  found=$(sed -nE 's/.*found in ([0-9.]+) s.*/\1/p' <<<"$head")
  shrunk=$(sed -nE 's/.*shrunk in ([0-9.]+) s.*/\1/p' <<<"$head")
  size=$(grep -m1 "shrunk story:" "$log")
  faults=$(sed -nE 's/.*: ([0-9]+) fault\(s\).*/\1/p' <<<"$size")
  clients=$(sed -nE 's/.* ([0-9]+) client\(s\).*/\1/p' <<<"$size")
  intents=$(sed -nE 's/.* ([0-9]+) intent\(s\).*/\1/p' <<<"$size")
  events=$(sed -nE 's/.* ([0-9]+) events.*/\1/p' <<<"$size")
  property=$(sed -n '2p' "$log" | sed -E 's/^  ([a-z-]+):.*/\1/')
  needs=$(grep -m1 "the failure needs:" "$log" | sed -E 's/^  the failure needs: //; s/\|/\\|/g')
  # The written counterexample fails again under `run`, on the same property.
  written=$(sed -nE 's/^  written: +//p' "$log")
  "$bin" run "$written" --out "$tmp/r" >/dev/null 2>&1
  runrc=$?
  "$bin" replay "$written" >"$tmp/replay.txt" 2>&1
  if [ $runrc -ne 1 ] || ! grep -q "^VIOLATION $property: " "$tmp/replay.txt"; then
    echo "DOES NOT REPRODUCE: $written (from scenarios/$file) under run, property $property" >&2
    bad=1
  fi
  "$bin" check "scenarios/$twin" --seed "$seed" --runs "$runs" --out "$tmp/cx" >"$tmp/twin.txt" 2>&1
  trc=$?
  if [ $trc -eq 0 ]; then
    twin_result="none in $runs runs"
  elif [ $trc -eq 1 ]; then
    twin_result="**counterexample**"
    echo "TWIN FAILS: scenarios/$twin (exit $trc), the twin of $what" >&2
    bad=1
  else
    twin_result="**check failed (exit $trc)**"
    echo "TWIN FAILS: scenarios/$twin (exit $trc), the twin of $what" >&2
    bad=1
  fi
  # A planted bug: also from a fleet with no trigger written (detect/fleet.yaml under current,
  # detect/fleet-2013.yaml under 2013), the bug planted with --plant.
  fleet="—"
  if [ "${what%% *}" = bug ]; then
    bug=${what#bug }
    fleet="not found in $runs runs of either fleet"
    for f in detect/fleet.yaml detect/fleet-2013.yaml; do
      "$bin" check "scenarios/$f" --plant "$bug" --seed "$seed" --runs "$runs" --out "$tmp/cx" >"$tmp/fleet.txt" 2>&1
      frc=$?
      if [ $frc -eq 1 ]; then
        ftried=$(head -1 "$tmp/fleet.txt" | sed -nE 's/.*counterexample after ([0-9]+) runs?.*/\1/p')
        fsize=$(grep -m1 "shrunk story:" "$tmp/fleet.txt" |
                sed -E 's/^  shrunk story: ([0-9]+) fault\(s\), ([0-9]+) client\(s\), ([0-9]+) intent\(s\).*/faults \1, clients \2, intents \3/')
        fleet="\`$f\`: runs $ftried; $fsize"
        break
      elif [ $frc -ne 0 ]; then
        fleet="**check failed on \`$f\` (exit $frc)**"
        bad=1
        break
      fi
    done
    if [ "${fleet#not found}" != "$fleet" ]; then
      if [ "$bug" = mismatch-ignores-subnet ]; then
        fleet="$fleet: no caller in them sends one token with another subnet"
      elif [ "$bug" = decide-at-arrival ]; then
        fleet="$fleet: their service decides the instant a request arrives (no \`service.steps\`), where arrival and decision are one"
      else
        echo "NOT FOUND FROM A FLEET: $bug" >&2
        bad=1
      fi
    fi
  fi
  table+="| $what | \`$file\` | $tried | $found s | $shrunk s | $faults | $clients | $intents | $events | \`$property\` | $needs | \`$twin\`: $twin_result | $fleet |"$'\n'
done

# Both fleets hold without a planted bug.
for f in detect/fleet.yaml detect/fleet-2013.yaml; do
  "$bin" check "scenarios/$f" --seed "$seed" --runs "$runs" --out "$tmp/cx" >/dev/null 2>&1
  frc=$?
  if [ $frc -ne 0 ]; then echo "FLEET FAILS: scenarios/$f without a planted bug (exit $frc)" >&2; bad=1; fi
done

# Every bug docs/bugs.md describes has a row.
for bug in $(sed -nE 's/^## `([a-z0-9-]+)`.*/\1/p' docs/bugs.md); do
  # (A loop, not a pipe into grep: under pipefail grep's early exit can fail the pipe.)
  has_row=0
  for row in "${rows[@]}"; do [ "${row%%|*}" = "bug $bug" ] && has_row=1; done
  if [ $has_row -eq 0 ]; then
    echo "NO ROW: the planted bug $bug (docs/bugs.md) has no row in scripts/detection.sh" >&2
    bad=1
  fi
done

{
  cat <<EOF
# Detection table

What \`idemsim check\` finds, and how fast, for every planted bug ([bugs.md](bugs.md)) and every
broken design of the service and the callers. Each row runs \`idemsim check\` on the scenario at
RapidCheck seed $seed with $runs runs at most: the scenario's own faults are set aside, and the
search draws faults (and, where the scenario's \`explore:\` says so, token values, token
behaviours and retry profiles) inside its envelope, which names no trigger. Then the same
search runs on the twin without the bug, which must yield nothing. Each written counterexample
fails again under \`idemsim run\` (exit 1, the same property): the script checks it.

Regenerate it (after \`bash scripts/quickstart.sh\`) with:

    bash scripts/detection.sh

Columns: the runs RapidCheck tried up to the first counterexample; the wall time to find it and
to shrink and explain it (on this project's 2-core machine; these two columns vary from machine
to machine, every other one is the same everywhere); the shrunk story's faults, clients,
intents and simulated events; the property it breaks; what the failure needs (\`check\` reruns
it without each fault, drawn setting and planted bug); the twin's result. The last column asks
more of the search: the same bug planted (\`idemsim check FILE --plant BUG\`) in a fleet where no
trigger is written at all (\`detect/fleet.yaml\` under \`current\`, \`detect/fleet-2013.yaml\` under
\`2013\`: callers that retry, fall back, terminate and repeat, and two tools with tokens of their
own, under faults and token values check draws), with the runs to the first counterexample and
the shrunk story's size; both fleets yield nothing without a planted bug.

| Planted | Scenario (under \`scenarios/\`) | Runs | Found in | Shrunk in | Faults | Clients | Intents | Events | Property | The failure needs | Twin | From a fleet (\`--plant\`) |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
EOF
  printf '%s' "$table"
  cat <<'EOF'

Most rows need no fault at all: the scenario's callers (a repeat with another instance type, a
repeat after termination, a slow launch) meet the bug as written, and check shrinks every drawn
fault away. The token-value rows (`detect/token-*.yaml`) write distinct, well-formed tokens, and
check draws the values that meet the bug (case variants, a long shared prefix, 65 characters,
non-ASCII, one value across Regions and zones: `explore.tokens`). The design rows need faults
(a lost response, a duplicate delivery, a store or frontend crash, a caller's crash), which
check draws from the scenario's envelope.

Where a story keeps more than two clients, fewer did not fail at the run's seed nor at any of
the 64 seeds check derives from it: the failure needs the load (a duplicate delivery, drawn at a
low rate, must meet a launch), and check keeps the smaller rate rather than the smaller crowd.
EOF
} >"$out"
echo "wrote $out ($(printf '%s' "$table" | grep -c '^|') rows)"
exit $bad
