#!/usr/bin/env bash
# The idemsim program as a user meets it: exit codes, error positions, replay, result files.
# Usage: cli_test.sh IDEMSIM SOURCE_DIR
set -u
bin=$1
src=$2
source "$(dirname "$0")/checks.sh"

expect_exit() {  # expect_exit CODE PATTERN ARGS...: exit code and a pattern in stdout+stderr
  local code=$1 pattern=$2
  shift 2
  local out
  out=$("$bin" "$@" 2>&1)
  local got=$?
  if [ "$got" != "$code" ]; then
    echo "  '$*' exited $got, wanted $code; output:"; printf '%s\n' "$out" | head -20 | sed 's/^/    /'
    return 1
  fi
  if ! printf '%s\n' "$out" | grep -qE -- "$pattern"; then
    echo "  '$*' did not print /$pattern/; output:"; printf '%s\n' "$out" | head -20 | sed 's/^/    /'
    return 1
  fi
}

printf 'name: typo\nclients:\n  - name: app\n    timout: 2s\n' > "$tmp/typo.yaml"
check "unknown key: file:line:column, exit 2" expect_exit 2 "typo.yaml:4:5: clients\[0\]: unknown key 'timout'; did you mean 'timeout'" run "$tmp/typo.yaml" --out "$tmp/r"
printf 'name: x\nclients:\n  - name: app\n    count: -3\n' > "$tmp/range.yaml"
check "out of range: exit 2" expect_exit 2 "range.yaml:4:12: clients\[0\].count: -3 is out of range" run "$tmp/range.yaml"
printf 'name: x\nclients: [\n' > "$tmp/broken.yaml"
check "malformed YAML: exit 2" expect_exit 2 "broken.yaml:[0-9]+:[0-9]+: malformed YAML" run "$tmp/broken.yaml"
: > "$tmp/empty.yaml"
check "empty file: exit 2" expect_exit 2 "empty.yaml: is empty" run "$tmp/empty.yaml"
head -c 300 "$bin" > "$tmp/binary.yaml"
check "binary file: exit 2" expect_exit 2 "binary.yaml: is not a text file" run "$tmp/binary.yaml"
printf -- '- a list\n' > "$tmp/list.yaml"
check "top level not a mapping: exit 2" expect_exit 2 "list.yaml: the top level must be a mapping" replay "$tmp/list.yaml"
check "missing file: exit 2" expect_exit 2 "nope.yaml: cannot be read" run "$tmp/nope.yaml"
mkdir -p "$tmp/emptydir"
check "directory without scenarios: exit 2" expect_exit 2 "emptydir: is a directory with no" run "$tmp/emptydir"
check "unknown option: exit 2" expect_exit 2 "unknown option '--sed'" run "$src/scenarios/baseline.yaml" --sed 3
check "bad seed value: exit 2" expect_exit 2 "--seed takes a whole number" replay "$src/scenarios/baseline.yaml" --seed x
check "the largest seed is a seed" expect_exit 0 "^SEED=18446744073709551615" replay "$src/scenarios/baseline.yaml" --seed 18446744073709551615
check "a seed past 2^64: exit 2" expect_exit 2 "--seed takes a whole number from 0 to 18446744073709551615" replay "$src/scenarios/baseline.yaml" --seed 18446744073709551616
printf 'name: x\nbugs: [record-after-lunch]\nclients: [{name: a}]\n' > "$tmp/bug.yaml"
check "unknown bug: file:line:column, exit 2" expect_exit 2 "bug.yaml:2:8: bugs\[0\]: unknown bug 'record-after-lunch'; did you mean 'record-after-launch'" run "$tmp/bug.yaml"
printf 'name: x\nclients: [{name: a, token: {value: {a: 1}}}]\n' > "$tmp/token.yaml"
check "a token value that is not text: exit 2" expect_exit 2 "token.yaml:2:36: clients\[0\].token.value: expected the token as a string" replay "$tmp/token.yaml"
printf 'name: x\nclients: [{name: a, intent: "a b"}]\n' > "$tmp/intent.yaml"
check "a bad intent name: exit 2" expect_exit 2 "intent.yaml:2:29: clients\[0\].intent: use a short name" run "$tmp/intent.yaml"
check "replay's header names planted bugs, token values and intents" expect_exit 1 "world bug token-length-65" replay "$src/scenarios/rules/rule1-length-64+token-length-65.yaml"
check "replay's header names retry codes" expect_exit 0 "retry-code=IncorrectState" replay "$src/scenarios/transient-incorrect-state.yaml"
check "replay's header names token values" expect_exit 0 "token=value .* token-value=in-flight-0001 intent=launch" replay "$src/scenarios/rules/rule7-inflight.yaml"
check "--flag=value works" expect_exit 0 "^SEED=5" replay "$src/scenarios/baseline.yaml" --seed=5
check "--runs 0: the range" expect_exit 2 "--runs takes a whole number from 1 to 10000000, not '0'" run "$src/scenarios/baseline.yaml" --runs 0
check "--runs abc: the same range" expect_exit 2 "--runs takes a whole number from 1 to 10000000, not 'abc'" run "$src/scenarios/baseline.yaml" --runs abc
check "seeds never wrap" expect_exit 2 "seeds 18446744073709551615 and 1 more pass 18446744073709551615" run "$src/scenarios/baseline.yaml" --seed 18446744073709551615 --runs 2
printf 'name: x\nlimit: 1h\nlimit: 2h\nclients: [{name: a}]\n' > "$tmp/twice.yaml"
check "a key given twice names the scenario" expect_exit 2 "twice.yaml:3:1: scenario: key 'limit' is given twice" run "$tmp/twice.yaml"
printf 'name: x\nlimit: 1.0000005s\nclients: [{name: a}]\n' > "$tmp/fine.yaml"
check "a duration finer than a microsecond says so" expect_exit 2 "fine.yaml:2:8: limit: '1.0000005s' is not a duration \(it is finer than a microsecond" run "$tmp/fine.yaml"
printf 'name: x\nclients: [{name: a}]\nfaults:\n  - spike: {rate: 100%%, delay: 2000000000000s}\n' > "$tmp/huge.yaml"
check "a duration that could overflow is refused" expect_exit 2 "huge.yaml:4:32: faults\[0\].spike.delay: '2000000000000s' is not a duration \(it is longer than 3650d" run "$tmp/huge.yaml"
check "unknown command: exit 2" expect_exit 2 "unknown command 'rnu'" rnu
check "no command: exit 2" expect_exit 2 "usage: idemsim" 

# A scenario that breaks a property while it expects to pass: exit 1, the violation and the
# one-line command that reproduces it.
sed 's/^expect: fail/expect: pass/' "$src/scenarios/no-token-response-loss.yaml" > "$tmp/regress.yaml"
check "unmet expectation: exit 1 with a reproduce line" expect_exit 1 "reproduce: .* replay $tmp/regress.yaml --seed [0-9]+" run "$tmp/regress.yaml" --runs 3 --out "$tmp/r"
check "results file written" test -s "$tmp/r/$(echo "${tmp#/}/regress" | tr '/.' '__').json"
# Results files: the same for --jobs 1 and --jobs 2, byte for byte, but the wall time.
"$bin" run "$src/scenarios/no-token-response-loss.yaml" --runs 20 --jobs 1 --out "$tmp/j1" > /dev/null 2>&1
"$bin" run "$src/scenarios/no-token-response-loss.yaml" --runs 20 --jobs 2 --out "$tmp/j2" > /dev/null 2>&1
jf=$(ls "$tmp/j1" | head -1)
check "results: --jobs 1 and --jobs 2 write the same file but the wall time" cmp -s <(grep -v '"wall_time_s"' "$tmp/j1/$jf") <(grep -v '"wall_time_s"' "$tmp/j2/$jf")
check "results: the wall time is the last field" test "$(tail -2 "$tmp/j1/$jf" | head -1 | grep -c '"wall_time_s"')" = 1
check "results: schema, version and content hash" grep -qE '^  "schema": "idemsim-results",$' "$tmp/j1/$jf"
fnv=$((0xcbf29ce484222325))
for b in $(od -An -v -tu1 "$src/scenarios/no-token-response-loss.yaml"); do fnv=$(( (fnv ^ b) * 0x100000001b3 )); done
check "results: the content hash is the file's" grep -q "\"content_hash\": \"$(printf '0x%016x' "$fnv")\"" "$tmp/j1/$jf"
# report: shards merge into the report of the whole run, in every format.
for k in 1 2 3; do
  "$bin" run "$src/scenarios/no-token-response-loss.yaml" "$src/scenarios/baseline.yaml" "$tmp/regress.yaml" --runs 12 --shard $k/3 --out "$tmp/shard$k" > /dev/null 2>&1
done
"$bin" run "$src/scenarios/no-token-response-loss.yaml" "$src/scenarios/baseline.yaml" "$tmp/regress.yaml" --runs 12 --out "$tmp/whole" > /dev/null 2>&1
for f in md csv json junit; do
  "$bin" report "$tmp/whole" --format $f > "$tmp/whole.$f" 2>&1
  "$bin" report "$tmp/shard1" "$tmp/shard2" "$tmp/shard3" --format $f > "$tmp/shards.$f" 2>&1
  check "report --format $f: three shards merge into the report of the whole" cmp -s "$tmp/whole.$f" "$tmp/shards.$f"
done
check "report: metrics of a clean run" grep -q "^| clean baseline | 12 | 0 | 720 | 100.00% | 0 | mean 1.00, p99 1, max 1 | p50 <= [0-9]*ms, .* | 1440 / 1440 | 0 (0.00) | none | .pass. | met |$" "$tmp/whole.md"
check "report: leaks cost instance-hours" grep -qE "^\| no token under response loss \| 12 \| 12 \| 600 \| .* \| [1-9][0-9]* \([1-9][0-9.]*\) \| intent-instances" "$tmp/whole.md"
check "report: csv header" grep -q "^scenario,file,content_hash,semantics,seeds,seeds_of_run,failing_seeds,.*leaked_instance_hours,.*attempts_per_intent_p99,.*completion_p99_ms," "$tmp/whole.csv"
check "report: a scenario that did not meet its expect: exit 1" expect_exit 1 "\*\*not met\*\*" report "$tmp/whole"
check "report: shards on their own are partial" expect_exit 1 "\| 4 of 12 \(partial\) \|" report "$tmp/shard2"
check "report: a missing shard is a warning and exit 1, even when every expect is met" expect_exit 1 "warning: .*baseline.yaml: the results hold 8 of the run's 12 seeds \(a shard not given\?\)" report "$tmp/shard1" "$tmp/shard3"
check "report: the Markdown begins with what did not meet its expect" expect_exit 1 "^\*\*idemsim: 1 of 3 scenarios did not meet their expect: no token under response loss\*\*" report "$tmp/whole"
"$bin" run "$src/scenarios/baseline.yaml" --seed 1 --runs 5 --out "$tmp/day1" > /dev/null 2>&1
"$bin" run "$src/scenarios/baseline.yaml" --seed 6 --runs 5 --out "$tmp/day2" > /dev/null 2>&1
check "report: runs of other seeds merge into the run of them all" expect_exit 0 "^\| clean baseline \| 10 \| 0 \|" report "$tmp/day1" "$tmp/day2"
# report DIR looks into subdirectories at any depth (idemsim_add_scenarios writes one results
# directory per test), taking the files in name order: the same report as the files listed so.
mkdir -p "$tmp/tree/zz2/deep" "$tmp/tree/zz1"
"$bin" run "$src/scenarios/baseline.yaml" --runs 3 --out "$tmp/tree/zz2/deep" > /dev/null 2>&1
"$bin" run "$tmp/regress.yaml" --runs 3 --out "$tmp/tree/zz1" > /dev/null 2>&1
"$bin" run "$src/scenarios/no-token-response-loss.yaml" --runs 3 --out "$tmp/tree" > /dev/null 2>&1
"$bin" report "$tmp/tree" > "$tmp/tree.md" 2>&1
check "report DIR: results in subdirectories are merged too" test "$(grep -cE '^\| (clean baseline|no token under response loss) \|' "$tmp/tree.md")" = 3
"$bin" report "$tmp"/tree/*.json "$tmp"/tree/zz1/*.json "$tmp"/tree/zz2/deep/*.json > "$tmp/tree-listed.md" 2>&1
check "report DIR: the files in name order, each subdirectory's in its place" cmp -s "$tmp/tree.md" "$tmp/tree-listed.md"
mkdir -p "$tmp/dup/b" "$tmp/dup/a/c" && tf=$(ls "$tmp/tree/zz1") && cp "$tmp/tree/zz1/$tf" "$tmp/dup/b/" && cp "$tmp/tree/zz1/$tf" "$tmp/dup/a/c/"
check "report DIR: files found in name order (an error names them so)" expect_exit 2 "is in two of the files given \($tmp/dup/a/c/$tf and $tmp/dup/b/$tf\)" report "$tmp/dup"
mkdir -p "$tmp/emptytree/x/y"
check "report DIR: no results file in it or below it: exit 2" expect_exit 2 "emptytree is a directory with no \*.json results files" report "$tmp/emptytree"
mkdir -p "$tmp/col/a" && cp "$src/scenarios/baseline.yaml" "$tmp/col/a_b.yaml" && cp "$src/scenarios/baseline.yaml" "$tmp/col/a/b.yaml"
check "run: two scenarios that would write one results file: exit 2" expect_exit 2 "would write the same results file .*; rename one of them" run "$tmp/col" --runs 1 --out "$tmp/colr"
check "run: --junit and --md on one file: exit 2" expect_exit 2 "--junit, --md and --html name one file" run "$src/scenarios/baseline.yaml" --runs 1 --junit "$tmp/same.txt" --md "$tmp/same.txt"
check "run: --md and --html on one file: exit 2" expect_exit 2 "--junit, --md and --html name one file" run "$src/scenarios/baseline.yaml" --runs 1 --md "$tmp/same.txt" --html "$tmp/./same.txt"
check "report --format html: to standard output, exit 1 when a scenario did not meet its expect" expect_exit 1 "<svg class=\"plot amplification\"" report "$tmp/whole" --format html
"$bin" run "$src/scenarios/baseline.yaml" --runs 1 --junit "$tmp/new/dir/x.xml" --out "$tmp/r" > /dev/null 2>&1
check "run --junit creates its directory" test -s "$tmp/new/dir/x.xml"
check "run --shard: a shard with no seed writes empty results" expect_exit 0 "met expect" run "$src/scenarios/baseline.yaml" --runs 2 --shard 1/3 --out "$tmp/emptyshard"
check "sweep: seed and runs are options, not settings: exit 2" expect_exit 2 "--set seed: sweep runs every value at the same seeds; give --seed or --runs instead" sweep "$src/scenarios/baseline.yaml" --set seed=5,6
check "sweep: a key given twice: exit 2" expect_exit 2 "--set clients\[0\].timeout is given twice" sweep "$src/scenarios/baseline.yaml" --set "clients[0].timeout=1s" --set "clients[0].timeout=2s"
check "report: the JUnit XML passes its schema" xmllint --noout --schema "$src/tests/junit.xsd" "$tmp/whole.junit"
check "report: a JUnit failure names the reproduce command" grep -q "reproduce: .*replay $tmp/regress.yaml --seed [0-9]" "$tmp/whole.junit"
grep -A1 'baseline" name="liveness">' "$tmp/whole.junit" > "$tmp/liveness.junit"
check "report: JUnit: liveness unchecked without heal_at is <skipped>, not a pass" grep -q '<skipped message="not checked: the scenario sets no heal_at' "$tmp/liveness.junit"
check "report: JUnit counts the skipped cases" grep -qE '<testsuites name="idemsim" tests="[0-9]+" failures="[0-9]+" errors="0" skipped="[1-9][0-9]*">' "$tmp/whole.junit"
# `expect: {fail: P}`: "caught" only under P; another property's violations say they are not P.
sed 's/^expect: fail$/expect: {fail: token-instances}/' "$src/scenarios/no-token-response-loss.yaml" > "$tmp/named.yaml"
"$bin" run "$tmp/named.yaml" --runs 12 --out "$tmp/named" > /dev/null 2>&1
"$bin" report "$tmp/named" --format junit > "$tmp/named.junit" 2>&1
check "report: JUnit: a missed named expect says which property no seed broke" grep -q 'not caught: no seed of 12 broke token-instances (12 seed(s) broke other properties)' "$tmp/named.junit"
check "report: JUnit: another property's violations are not called the documented bug caught" grep -q 'violation(s); not the property `expect` names (token-instances)' "$tmp/named.junit"
check "report: JUnit: no caught under a property expect does not name" test "$(grep -c 'the bug the scenario documents, caught' "$tmp/named.junit")" = 0
sed 's/<testcase classname=/<testcase clsname=/' "$tmp/whole.junit" > "$tmp/bad.junit"
check "the JUnit schema check can fail" test "$(xmllint --noout --schema "$src/tests/junit.xsd" "$tmp/bad.junit" > /dev/null 2>&1; echo $?)" != 0
rf=$(ls "$tmp/whole" | head -1)
head -c 300 "$tmp/whole/$rf" > "$tmp/cut.json"
check "report: a results file cut short: exit 2" expect_exit 2 "cut.json: is not JSON, or is cut short" report "$tmp/cut.json"
echo '[1, 2]' > "$tmp/other.json"
check "report: JSON that is not a results file: exit 2" expect_exit 2 "other.json: is not an idemsim results file" report "$tmp/other.json"
sed 's/"schema_version": 1,/"schema_version": 7,/' "$tmp/whole/$rf" > "$tmp/v7.json"
check "report: another schema version: exit 2" expect_exit 2 "v7.json: has schema_version 7; this idemsim reads version 1" report "$tmp/v7.json"
echo 'not json' > "$tmp/text.json"
check "report: not JSON: exit 2" expect_exit 2 "text.json: is not JSON" report "$tmp/text.json"
check "report: a seed in two files: exit 2" expect_exit 2 "seed 1 of .* is in two of the files" report "$tmp/whole/$rf" "$tmp/shard1/$rf"
echo keep > "$tmp/existing.md"
check "report: an existing --out is not overwritten: exit 2" expect_exit 2 "existing.md exists; give --force" report "$tmp/whole" --out "$tmp/existing.md"
check "report: nothing written over it" grep -qx keep "$tmp/existing.md"
"$bin" report "$tmp/whole" --out "$tmp/existing.md" --force > /dev/null 2>&1
check "report: --force overwrites" grep -q "^| Scenario |" "$tmp/existing.md"
check "report --help" expect_exit 0 "usage: idemsim report RESULTS" report --help
"$bin" run "$src/scenarios/no-token-response-loss.yaml" "$src/scenarios/baseline.yaml" "$tmp/regress.yaml" --runs 12 --out "$tmp/whole2" --junit "$tmp/run.junit" --md "$tmp/run.md" > /dev/null 2>&1
check "run --junit writes what report --format junit writes" cmp -s "$tmp/run.junit" "$tmp/whole.junit"
check "run --md writes what report --format md writes" cmp -s "$tmp/run.md" "$tmp/whole.md"
check "run --junit does not overwrite without --force: exit 2" expect_exit 2 "run.junit exists; give --force" run "$src/scenarios/baseline.yaml" --runs 1 --junit "$tmp/run.junit"
"$bin" run "$src/scenarios/no-token-response-loss.yaml" --runs 300 --jobs 1 --out "$tmp/p" > /dev/null 2> "$tmp/progress.txt"
check "no progress bar when stderr is not a terminal" test ! -s "$tmp/progress.txt"
"$bin" run "$src/scenarios/no-token-response-loss.yaml" --runs 300 --jobs 1 --progress --out "$tmp/p" > /dev/null 2> "$tmp/progress.txt"
check "--progress: seeds done, seeds per second, failing seeds, time left" grep -aqE "no token under response loss: [0-9]+/300 seeds, [0-9]+ seeds/s, [0-9]+ failing, ~[0-9]+s left" "$tmp/progress.txt"
check "--progress off a terminal: lines, the last at the end" grep -aqE "^no token under response loss: 300/300 seeds, .* failing, ~0s left$" "$tmp/progress.txt"
# On a terminal (a pseudo-terminal from `script`, where the machine can make one).
if script -qec true /dev/null > /dev/null 2>&1; then
  script -qec "$bin run $src/scenarios/no-token-response-loss.yaml --runs 300 --jobs 1 --progress --out $tmp/p > /dev/null" /dev/null > "$tmp/tty.txt" 2>&1
  check "--progress on a terminal: one line redrawn, cleared at the end" test "$(tail -c 3 "$tmp/tty.txt" | od -An -c | tr -d ' ')" = '033[K'
  check "--progress on a terminal: the line shows seeds per second" grep -aq "seeds/s" "$tmp/tty.txt"
else
  echo "note: no pseudo-terminal here (script cannot make one): the terminal checks of the progress bar are skipped"
fi
"$bin" run "$src/scenarios/no-token-response-loss.yaml" --runs 300 --jobs 1 --progress --quiet --out "$tmp/p" > /dev/null 2> "$tmp/quiet.txt"
check "--quiet: no progress bar, even with --progress" test ! -s "$tmp/quiet.txt"
check "sweep: a row per value, leaks and violations against it" expect_exit 0 "^5%  +sdk  +6  +0  +none" sweep "$src/scenarios/no-token-response-loss.yaml" --set "faults[0].rate=0%,5%" --set "clients[0].token=none,sdk" --runs 6
check "sweep: violations appear where they should" expect_exit 0 "^5%  +none  +6  +6  +intent-instances=[0-9]+" sweep "$src/scenarios/no-token-response-loss.yaml" --set "faults[0].rate=0%,5%" --set "clients[0].token=none,sdk" --runs 6
check "sweep: a path the file does not have: exit 2" expect_exit 2 "--set faults\[3\].rate: 'faults' has no item 3 \(it has 1\)" sweep "$src/scenarios/no-token-response-loss.yaml" --set "faults[3].rate=1%"
check "sweep: a mapping the file leaves out is added" expect_exit 0 "^10s +3 " sweep "$src/scenarios/no-token-response-loss.yaml" --set "service.describe_lag=1s,10s" --runs 3
check "sweep: a key misspelt under an added mapping: exit 2" expect_exit 2 "unknown key 'stor'; did you mean 'store'" sweep "$src/scenarios/no-token-response-loss.yaml" --set "service.stor.ttl=1h"
check "sweep: a value the format refuses: exit 2" expect_exit 2 "--set clients\[0\].timeout=fast: clients\[0\].timeout: 'fast' is not a duration" sweep "$src/scenarios/no-token-response-loss.yaml" --set "clients[0].timeout=fast"
check "sweep: a misspelt key: exit 2" expect_exit 2 "unknown key 'timout'; did you mean 'timeout'" sweep "$src/scenarios/no-token-response-loss.yaml" --set "clients[0].timout=1s"
check "sweep --help" expect_exit 0 "usage: idemsim sweep FILE --set" sweep --help
check "run --shard: a bad value: exit 2" expect_exit 2 "--shard takes K/N with 1 <= K <= N" run "$src/scenarios/baseline.yaml" --shard 4/3
check "results file names the reproduce command" grep -q '"reproduce"' "$tmp/r/$(echo "${tmp#/}/regress" | tr '/.' '__').json"

# Vacuity: what a scenario could not have tested is a warning (exit 0), and with --strict a
# failure (exit 1); each case once.
vacuous() {  # vacuous NAME FILE PATTERN
  check "$1: a warning" expect_exit 0 "^warning: $3" run "$2" --out "$tmp/r"
  check "$1: --strict fails it" expect_exit 1 "FAIL \(strict: 1 warning\)" run "$2" --out "$tmp/r" --strict
}
printf 'name: tiny\nlimit: 10ms\nclients: [{name: a, count: 3}]\n' > "$tmp/tiny.yaml"
vacuous "intents cut off by the limit" "$tmp/tiny.yaml" ".*tiny.yaml:2:8: 3 of 3 intents were not done by the 10ms limit in 1 of 1 runs"
printf 'name: never\nlimit: 5s\nclients: [{name: a, count: 4, intents: 20, think: 1s}]\n' > "$tmp/never.yaml"
vacuous "intents that never began" "$tmp/never.yaml" ".*never.yaml:2:8: 60 of 80 intents were not done by the 5s limit in 1 of 1 runs \(60 never began"
check "the intent columns add up" expect_exit 0 "^ +1 +80 +20 +0 +0 +60 " run "$tmp/never.yaml" --out "$tmp/r"
printf 'name: late storm\nlimit: 1h\nclients: [{name: a}]\nfaults:\n  - storm: {from: 30m, for: 1m}\n' > "$tmp/late.yaml"
vacuous "a fault that never fired" "$tmp/late.yaml" ".*late.yaml:5:5: faults\[0\] \(storm Unavailable rate 100% from 30m for 1m\) never fired in any of the 1 runs"
printf 'name: late group\nlimit: 1m\nclients:\n  - {name: a}\n  - {name: b, start: 2m}\n' > "$tmp/group.yaml"
vacuous "a group that never started" "$tmp/group.yaml" ".*group.yaml:5:5: clients\[1\] \(b\) never began an intent in any of the 1 runs"
printf 'name: inert\nservice: {token_retention: 12h}\nclients: [{name: a}]\n' > "$tmp/inert.yaml"
vacuous "a key with no effect" "$tmp/inert.yaml" ".*inert.yaml:2:28: service.token_retention has no effect under .semantics: current."
printf 'name: inert2\nclients: [{name: a, app_backoff: 5s}]\n' > "$tmp/inert2.yaml"
vacuous "app_backoff without app_retries" "$tmp/inert2.yaml" ".*inert2.yaml:2:34: clients\[0\].app_backoff has no effect"
printf 'name: inert3\nservice: {capacity: {c5.large: 3}}\nclients: [{name: a}]\n' > "$tmp/inert3.yaml"
vacuous "capacity for a type no one asks for" "$tmp/inert3.yaml" ".*inert3.yaml:2:22: service.capacity.c5.large has no effect"
printf 'name: inert4\nservice: {store: {durability: volatile}}\nclients: [{name: a}]\n' > "$tmp/inert4.yaml"
vacuous "a volatile store no fault crashes" "$tmp/inert4.yaml" ".*inert4.yaml:2:31: service.store.durability: volatile has no effect: no fault crashes the store"
printf 'name: inert5\nservice: {recover: false, balancer: round-robin}\nclients: [{name: a}]\n' > "$tmp/inert5.yaml"
check "recover and balancer with nothing to exercise them: two warnings" expect_exit 1 "FAIL \(strict: 2 warnings\)" run "$tmp/inert5.yaml" --out "$tmp/r" --strict
check "the warning for recover names its place" expect_exit 0 "inert5.yaml:2:20: service.recover has no effect: no fault crashes a frontend" run "$tmp/inert5.yaml" --out "$tmp/r"
printf 'name: old\nservice:\n  token_window: 2s\nclients: [{name: a}]\n' > "$tmp/oldkey.yaml"
check "the old token_window is refused with its new name" expect_exit 2 "oldkey.yaml:3:17: service.token_window: this key is now service.store.ttl.*store: \{ttl: 2s\}" run "$tmp/oldkey.yaml"
check "replay's header shows the service's parts" expect_exit 1 "world store write=read-then-write gap=5ms replicas=1 durability=durable" replay "$src/scenarios/service/read-then-write-duplicate-delivery.yaml" --seed 1
check "replay's header shows crash faults and recovery" expect_exit 1 "world recover false" replay "$src/scenarios/service/crash-between-launch-and-record-no-recovery.yaml" --seed 1
check "replay --token keeps the store's crash and restart" expect_exit 1 "23.000000s service/us-east-1 store restart" replay "$src/scenarios/service/volatile-store-crash.yaml" --seed 1 --token ccf4af21-9361-4e21-a4d7-466fce540664
check "a violation's story tells the store crash behind it" expect_exit 0 "service: the token store of us-east-1 crashed and lost every record" run "$src/scenarios/service/volatile-store-crash.yaml" --runs 1 --out "$tmp/r"
check "the run summary counts each fault's fires" expect_exit 0 "faults\[1\] crash store at 20s restart-after 3s from 0s: 5" run "$src/scenarios/service/volatile-store-crash.yaml" --runs 5 --out "$tmp/r"
sed 's/^expect: fail/expect: {fail: token-instances}/' "$src/scenarios/no-token-response-loss.yaml" > "$tmp/wrongprop.yaml"
check "expect names a property another one caught: missed, with a warning" expect_exit 1 "only intent-instances caught it" run "$tmp/wrongprop.yaml" --out "$tmp/r"
sed 's/^expect: fail/expect: {fail: intent-instances}/' "$src/scenarios/no-token-response-loss.yaml" > "$tmp/rightprop.yaml"
check "expect names the property that caught it: met" expect_exit 0 "caught \(expect fail\)" run "$tmp/rightprop.yaml" --out "$tmp/r" --strict
printf 'name: x\nclients: [{name: a}]\nexpect: {fail: same-response}\n' > "$tmp/badprop.yaml"
check "expect names an unknown property: exit 2" expect_exit 2 "badprop.yaml:3:16: expect.fail: 'same-response' is not a property" run "$tmp/badprop.yaml"
check "diff --help" expect_exit 0 "usage: idemsim diff FILE" diff --help
check "diff shows what the 2025 rule changes" expect_exit 1 "current: ok: RunInstances 200 Ok r[0-9]+; TerminateInstances 200 Ok;$" diff "$src/scenarios/token-after-termination-current.yaml" --runs 2
check "diff: the calls wrapped, the next line under the first call" expect_exit 1 "^ {17}RunInstances \(repeat\) 400 IdempotentInstanceTerminated$" diff "$src/scenarios/token-after-termination-current.yaml" --runs 2
# An intent whose calls repeat one answer 571 times under 2013 (a token retained 2m relaunches on
# the repeat and takes the only capacity; the late group's 570 application retries all get 500):
# one line of 27,000 characters, before repeats were folded.
cat > "$tmp/repeats.yaml" <<'YAML'
name: one answer 571 times
seed: 1
runs: 1
semantics: current
limit: 4h
service: {launch_time: 30s, terminate_time: 10s, token_retention: 2m, capacity: {m5.large: 1}}
clients:
  - {name: repeater, request: {type: m5.large}, token: persisted, timeout: 2s, retry: {policy: none},
     terminate_after: 1m, repeat_after: 5m}
  - {name: late, start: 7m, request: {type: m5.large}, token: persisted, timeout: 2s, retry: {policy: none},
     app_retries: 570, app_backoff: 1s}
expect: pass
YAML
"$bin" diff "$tmp/repeats.yaml" > "$tmp/repeats.txt" 2>&1
check "diff: no line over 100 columns when an answer repeats 571 times" test "$(awk 'length($0) > 100' "$tmp/repeats.txt" | wc -l)" = 0
check "diff: consecutive repeats folded, ANSWER ×N" grep -qx "    2013: unknown: RunInstances 500 InsufficientInstanceCapacity ×571" "$tmp/repeats.txt"
check "diff: the other semantics' story beside it" grep -qx "    current: ok: RunInstances 200 Ok r2" "$tmp/repeats.txt"
"$bin" diff "$src/scenarios/token-after-termination-current.yaml" --runs 50 > "$tmp/diff50.txt" 2>&1
check "diff: no line over 100 columns over 50 seeds" test "$(awk 'length($0) > 100' "$tmp/diff50.txt" | wc -l)" = 0
check "diff --help explains the folds" expect_exit 0 "CALL ×N +N calls in a row with the same answer" diff --help
check "diff --help explains how an intent ended and a call's answer" expect_exit 0 "no answer \(its" diff --help
check "diff --help: no line over 100 columns" test "$("$bin" diff --help | awk 'length($0) > 100' | wc -l)" = 0
check "diff counts every differing intent" expect_exit 1 "intents differ between 2013 and current, in 2 of 2 seeds" diff "$src/scenarios/token-after-termination-current.yaml" --runs 2
check "diff: no difference, exit 0" expect_exit 0 "^0 of [0-9]+ intents differ" diff "$src/scenarios/baseline.yaml" --runs 2
check "diff: a bad --semantics is a usage error" expect_exit 2 "--semantics takes two of 2013 and current" diff "$src/scenarios/baseline.yaml" --semantics 2013
check "check --help" expect_exit 0 "usage: idemsim check FILE" check --help
check "check finds a planted bug and writes it down" expect_exit 1 "counterexample after [0-9]+ runs?" check "$src/scenarios/rules/rule7-inflight+record-after-launch.yaml" --out "$tmp/cx"
check "the written counterexample fails when run" expect_exit 1 "FAIL" run "$tmp/cx/rule7-inflight+record-after-launch-counterexample.yaml" --out "$tmp/r"
check "the written counterexample names version, seed, semantics and reproduce command" grep -qE "^# A counterexample .*idemsim [0-9.]+, RapidCheck seed 1, semantics current, run seed [0-9]+\).*" "$tmp/cx/rule7-inflight+record-after-launch-counterexample.yaml"
check "the written counterexample is named as one, of its original" grep -qE "^name: \"counterexample of rule 7: a repeat while the first request is in flight joins it \[bug: record-after-launch\]\"$" "$tmp/cx/rule7-inflight+record-after-launch-counterexample.yaml"
check "check explains which faults a failure needs" expect_exit 1 "the failure needs: .*lose response" check "$src/scenarios/incidents/01-no-token.yaml" --out "$tmp/cx"
check "check finds nothing in the correct twin, and says what it explored" expect_exit 0 "explored: 100 runs, [0-9hms]+ simulated, [0-9]+ events, [0-9]+ distinct mixes of fault kinds" check "$src/scenarios/rules/rule7-inflight.yaml" --out "$tmp/cx"
check "check prints the situations it reached" expect_exit 0 "reached [0-9]+ of 15 situations.*; ruled out by its settings: repeat-between-launch-and-record \(" check "$src/scenarios/rules/rule7-inflight.yaml" --out "$tmp/cx"
check "check draws token values: the case bug" expect_exit 1 "the failure needs: .*its case varied.*the planted bug case-insensitive-token" check "$src/scenarios/detect/token-values+case-insensitive-token.yaml" --out "$tmp/cx"
check "check draws token behaviours and names the one a failure needs" expect_exit 1 "the failure needs: .*group app with token: (per-attempt|timestamp) \(written: persisted\)" check "$src/scenarios/detect/token-behaviours-broken.yaml" --out "$tmp/cx"
# The same command and seed write the same file, byte for byte; RapidCheck's reproduce string
# replays the failure to the same file.
"$bin" check "$src/scenarios/service/volatile-store-crash.yaml" --seed 7 --out "$tmp/cx1" > "$tmp/cx1.txt" 2>&1
"$bin" check "$src/scenarios/service/volatile-store-crash.yaml" --seed 7 --out "$tmp/cx2" > /dev/null 2>&1
check "the same check and seed write the same counterexample" cmp -s <(sed 1,5d "$tmp/cx1/volatile-store-crash-counterexample.yaml") <(sed 1,5d "$tmp/cx2/volatile-store-crash-counterexample.yaml")
cp "$tmp/cx1/volatile-store-crash-counterexample.yaml" "$tmp/cx1.first.yaml"
"$bin" check "$src/scenarios/service/volatile-store-crash.yaml" --seed 7 --out "$tmp/cx1" > /dev/null 2>&1
check "the same check, seed and --out write the same file, byte for byte" cmp -s "$tmp/cx1/volatile-store-crash-counterexample.yaml" "$tmp/cx1.first.yaml"
check "check of several scenarios ends with a count" expect_exit 1 "^3 scenarios searched: 1 with a counterexample \(written into .*\), 2 without" check "$src/scenarios/rules/rule7-inflight.yaml" "$src/scenarios/rules/rule7-inflight+record-after-launch.yaml" "$src/scenarios/rules/rule2-repeat.yaml" --out "$tmp/cx"
rcstring=$(grep -oE "RapidCheck: [0-9a-f]+" "$tmp/cx1.txt" | cut -d' ' -f2)
check "check prints RapidCheck's reproduce string" test -n "$rcstring"
"$bin" check "$src/scenarios/service/volatile-store-crash.yaml" --seed 7 --reproduce "$rcstring" --out "$tmp/cx3" > /dev/null 2>&1
check "the reproduce string replays the same counterexample" cmp -s <(sed 1,5d "$tmp/cx1/volatile-store-crash-counterexample.yaml") <(sed 1,5d "$tmp/cx3/volatile-store-crash-counterexample.yaml")
check "a bad reproduce string: exit 2" expect_exit 2 "--reproduce takes the string of hex digits .*, not 'xyz'" check "$src/scenarios/service/volatile-store-crash.yaml" --reproduce xyz
check "a bad --budget: exit 2" expect_exit 2 "--budget takes a wall-clock duration above zero" check "$src/scenarios/rules/rule7-inflight.yaml" --budget soon
rcother=$(grep -oE "RapidCheck: [0-9a-f]+" "$tmp/cx1.txt" | cut -d' ' -f2)
check "a reproduce string of another scenario: exit 2" expect_exit 2 "--reproduce: the case this string names passes on" check "$src/scenarios/service/durable-store-crash.yaml" --reproduce "$rcother" --out "$tmp/cx"
printf 'name: e\nclients: [{name: a}]\nexplore: {faults: [storm]}\n' > "$tmp/explore9.yaml"
check "explore: a word that begins two kinds names both" expect_exit 2 "explore9.yaml:3:20: explore.faults\[0\]: 'storm' is not one of .*; did you mean storm-before, storm-after\?" check "$tmp/explore9.yaml"
check "check says it sets the scenario's faults aside, and which kinds it never draws" expect_exit 0 "set aside: the scenario's 1 fault \(check draws its own\); check never draws skew" check "$src/scenarios/service/skew-frontend-clock-behind.yaml" --runs 5 --out "$tmp/cx"
check "--plant: an unknown bug, exit 2" expect_exit 2 "--plant: unknown bug 'record-after-lunch' \(known bugs: " check "$src/scenarios/detect/fleet.yaml" --plant record-after-lunch
check "--plant finds a bug planted in a fleet" expect_exit 1 "the failure needs: .*the planted bug token-per-attempt" check "$src/scenarios/detect/fleet.yaml" --plant token-per-attempt --out "$tmp/cxp"
check "--plant: the written file names the bug" grep -q "^bugs: \[token-per-attempt\]" "$tmp/cxp/fleet+token-per-attempt-counterexample.yaml"
check "--plant: the search-again line plants it too" grep -q "^# Search again: .* --plant token-per-attempt --reproduce [0-9a-f]*$" "$tmp/cxp/fleet+token-per-attempt-counterexample.yaml"
printf 'name: e\nlimit: 1m\nclients: [{name: a}]\nexplore: {window: {from: 5s, until: 19s}}\n' > "$tmp/explore10.yaml"
check "check warns when the drawn faults never meet the callers" expect_exit 0 "warning: the drawn faults met a request or a launch in fewer than one run in ten" check "$tmp/explore10.yaml" --out "$tmp/cx"
printf 'name: e\nclients: [{name: a}]\nbugs: [retention-from-launch]\n' > "$tmp/bugsem.yaml"
check "a bug of the other semantics: a warning at its place" expect_exit 0 "^warning: .*bugsem.yaml:3:8: bugs\[0\]: 'retention-from-launch' has no effect under .current. semantics" run "$tmp/bugsem.yaml" --out "$tmp/r"
check "--plant of a bug of the other semantics says so" expect_exit 0 "warning: 'zone-as-parameter' has no effect under .current. semantics.*nothing can find it here" check "$src/scenarios/detect/fleet.yaml" --plant zone-as-parameter --runs 5 --out "$tmp/cx"
check "--budget stops the search" expect_exit 0 "no counterexample in [0-9]+ runs \(the budget of 1s was spent; 1000000 were asked\)" check "$src/scenarios/rules/rule7-inflight.yaml" --budget 1s --runs 1000000 --out "$tmp/cx"
printf 'name: e\nclients: [{name: a}]\nexplore:\n  faults: [lose-respons]\n' > "$tmp/explore1.yaml"
check "explore: an unknown fault kind, file:line:column, exit 2" expect_exit 2 "explore1.yaml:4:12: explore.faults\[0\]: 'lose-respons' is not one of .* \(did you mean 'lose-response'\?\)" check "$tmp/explore1.yaml"
printf 'name: e\nclients: [{name: a}]\nexplore: {tokens: [case]}\n' > "$tmp/explore2.yaml"
check "explore: token values with no group sending its own: exit 2" expect_exit 2 "explore2.yaml:3:19: explore.tokens: no group sends a token value of its own" check "$tmp/explore2.yaml"
printf 'name: e\nlimit: 10s\nclients: [{name: a}]\nexplore: {window: {until: 1m}}\n' > "$tmp/explore3.yaml"
check "explore: a window past the limit: exit 2" expect_exit 2 "explore3.yaml:4:27: explore.window.until: 1m is past the scenario's limit" check "$tmp/explore3.yaml"
printf 'name: e\nclients: [{name: a}]\nexplore: {rate: {min: 0.5%%}}\n' > "$tmp/explore4.yaml"
check "explore: a rate that is not a whole percent: exit 2" expect_exit 2 "explore4.yaml:3:23: explore.rate.min: '0.5%' is not a whole percent" check "$tmp/explore4.yaml"
printf 'name: e\nclients: [{name: a}]\nexplore: {faults: [crash-client]}\n' > "$tmp/explore5.yaml"
check "explore: a caller crash with no controller: exit 2" expect_exit 2 "explore5.yaml:3:20: explore.faults\[0\]: crash-client crashes the process" check "$tmp/explore5.yaml"
printf 'name: e\nclients: [{name: a}]\nexplore: {clients: {retry: [aws-standard, aws-standard]}}\n' > "$tmp/explore6.yaml"
check "explore: a name listed twice: exit 2" expect_exit 2 "explore6.yaml:3:43: explore.clients.retry\[1\]: 'aws-standard' is listed twice" check "$tmp/explore6.yaml"
printf 'name: e\nclients: [{name: a}]\nexplore: {max_faults: 9}\n' > "$tmp/explore7.yaml"
check "explore: too many faults: exit 2" expect_exit 2 "explore7.yaml:3:23: explore.max_faults: 9 is out of range; use a value from 0 to 8" check "$tmp/explore7.yaml"
printf 'name: e\nclients: [{name: a}]\nexplore: {lenght: {max: 1s}}\n' > "$tmp/explore8.yaml"
check "explore: an unknown key: exit 2" expect_exit 2 "explore8.yaml:3:11: explore: unknown key 'lenght'; did you mean 'length'" check "$tmp/explore8.yaml"
check "every shipped scenario passes --strict" expect_exit 0 "met expect" run "$src/scenarios" --strict --runs 3 --out "$tmp/r"

# expect: fail scenarios that are caught count as met: exit 0.
check "caught expect-fail scenario: exit 0" expect_exit 0 "caught \(expect fail\)" run "$src/scenarios/no-token-response-loss.yaml" --runs 2 --out "$tmp/r"

# Replay: SEED= first, identical bytes twice, another seed another hash.
"$bin" replay "$src/scenarios/baseline.yaml" --seed 4 > "$tmp/a.txt"
"$bin" replay "$src/scenarios/baseline.yaml" --seed 4 > "$tmp/b.txt"
"$bin" replay "$src/scenarios/baseline.yaml" --seed 5 > "$tmp/c.txt"
check "replay starts with SEED=" test "$(head -1 "$tmp/a.txt")" = "SEED=4"
check "replay is byte-identical" cmp -s "$tmp/a.txt" "$tmp/b.txt"
# Compared without the lines that print the seed and the hash: another seed must run other events.
body() { grep -v -e '^SEED=' -e '^0.000000s world' -e '^trace-hash:' "$1"; }
check "another seed, another run" test "$(body "$tmp/a.txt")" != "$(body "$tmp/c.txt")"
"$bin" replay "$src/scenarios/baseline.yaml" --seed 4 --via-asio > "$tmp/d.txt"
check "replay through Asio is identical" cmp -s "$tmp/a.txt" "$tmp/d.txt"
check "replay of a failing seed exits 1" expect_exit 1 "^VIOLATION intent-instances" replay "$src/scenarios/no-token-response-loss.yaml" --seed 1

# Replay filters: each keeps what it names and drops the rest; they compose.
replay_has() {  # replay_has NAME PATTERN-THAT-MUST NOT-PATTERN ARGS...
  local name=$1 want=$2 unwanted=$3
  shift 3
  local out
  out=$("$bin" replay "$@" 2>&1)
  if ! grep -qE -- "$want" <<<"$out"; then echo "  $name: no /$want/"; return 1; fi
  if grep -qE -- "$unwanted" <<<"$out"; then echo "  $name: has /$unwanted/"; return 1; fi
}
inflight="$src/scenarios/rules/rule7-inflight.yaml"
check "replay --client" replay_has client "service/us-east-1 recv attempt=1 client=second#0" "first#0 send" "$inflight" --client second#0
check "replay --client GROUP" replay_has group "second#0 send" "first#0 send" "$inflight" --client second
check "replay --token" replay_has token "upper#0 send" "lower#0" "$src/scenarios/rules/rule1-case-sensitive.yaml" --token Launch-Web-0001
check "replay --intent" replay_has intent "notoken#4 intent intent=0" "notoken#4 intent intent=1|^[0-9.]+s notoken#0 " "$src/scenarios/no-token-response-loss.yaml" --intent notoken#4/0
check "replay --around" replay_has around "^5.004712s service" "^1.000000s|^0.004712s" "$inflight" --around 5s --within 10ms
check "replay filters compose" replay_has compose "^5.005347s second#0 recv" "first#0|^1.0" "$inflight" --client second#0 --around 5s --within 10ms
check "replay --violations" replay_has violations "^VIOLATION intent-instances" " send RunInstances attempt=" "$src/scenarios/no-token-response-loss.yaml" --violations
check "replay --around takes a duration" expect_exit 2 "--around takes a duration like 12.5s" replay "$inflight" --around soon
check "replay --intent takes CLIENT/INDEX" expect_exit 2 "--intent takes CLIENT/INDEX" replay "$inflight" --intent first

# --show and --keep, as a user sets them.
check "--show N is honoured for a caught expect: fail" expect_exit 0 "seed 3: " run "$src/scenarios/no-token-response-loss.yaml" --runs 5 --show 3 --out "$tmp/r"
check "--keep below --show still lists the seeds" expect_exit 0 "seed 3: [0-9]+ violation\(s\), events not kept \(raise --keep" run "$src/scenarios/no-token-response-loss.yaml" --runs 5 --show 3 --keep 1 --out "$tmp/r"
storm="$src/scenarios/sdk-token-app-retry-after-storm.yaml"
check "replay --client keeps the faults that hit its attempts" replay_has client-faults "fault storm-after attempt=" "^[0-9.]+s [a-z]+#[1-9] " "$storm" --client "$(sed -n 's/^  - name: \([a-z]*\).*/\1/p' "$storm" | head -1)#0"
check "replay filters drop the oracle's lines too" replay_has no-oracle "^5.00" "oracle violation" "$src/scenarios/no-token-response-loss.yaml" --around 5s --within 10ms
check "replay says when nothing passes the filters" expect_exit 0 "replay: no event of this run passes the filters" replay "$inflight" --client first#7
check "replay --client of a group the scenario does not have: exit 2, naming its groups" expect_exit 2 "--client nosuch: the scenario has no client group 'nosuch'; its groups are first, second" replay "$inflight" --client nosuch
check "replay --within needs --around" expect_exit 2 "--within goes with --around" replay "$inflight" --within 1s
check "replay --violations --client narrows the violations" replay_has narrow "^VIOLATION intent-instances: intent notoken#4/" "^VIOLATION .*intent notoken#0/" "$src/scenarios/no-token-response-loss.yaml" --violations --client notoken#4

# Output a person reads: footers wrapped at 100 columns, rates in percent, --summary a row per directory.
"$bin" run "$src/scenarios/storm-503-aws-standard.yaml" "$src/scenarios/service" --runs 3 --out "$tmp/wr" > "$tmp/wrapped.txt" 2>&1
check "run: the per-scenario footer is wrapped at 100 columns" test "$(sed -n '/^per scenario:/,/^$/p' "$tmp/wrapped.txt" | awk 'length($0) > 100' | wc -l)" = 0
check "run: a fault's rate in percent" grep -q "Unavailable rate 80% from 5s" "$tmp/wrapped.txt"
check "run: coverage names what was reached, and counts what the settings rule out" grep -q "ruled out by its settings" "$tmp/wrapped.txt"
"$bin" run "$src/scenarios" --summary --runs 2 --out "$tmp/sum" > "$tmp/summary.txt" 2>&1
check "run --summary: a row per directory, the total last" grep -qE "^ +[0-9]+ +[0-9]+/[0-9]+ .*scenarios/incidents/$" "$tmp/summary.txt"
check "run --summary: each caught bug on one line with a seed" grep -qE "^ +[0-9]+/2  no-token-response-loss.yaml --seed [0-9]+: intent-instances$" "$tmp/summary.txt"
check "run --summary: under 150 lines for the shipped scenarios" test "$(wc -l < "$tmp/summary.txt")" -lt 150

# --strict: a warning fails the scenario, and the JUnit and Markdown reports say so (with the warning).
"$bin" run "$tmp/inert.yaml" --strict --out "$tmp/strictw" --junit "$tmp/strict.junit" --md "$tmp/strict.md" > /dev/null 2>&1
check "run --strict --junit: a warning is a failed test case, not a green suite" grep -qE '<testsuites name="idemsim" tests="[0-9]+" failures="1" ' "$tmp/strict.junit"
check "run --strict --junit: the failure names the warning with its place" grep -q 'inert.yaml:2:28: service.token_retention has no effect' "$tmp/strict.junit"
check "run --strict --md: the Markdown says why it is not met" grep -q -- '- warning: .*inert.yaml:2:28: service.token_retention' "$tmp/strict.md"
# A documented bug caught, failed only by --strict: not reported as "not caught".
sed 's/^expect: fail$/expect: {fail: intent-instances}/; s/^seed: .*/seed: 1\nservice: {token_retention: 12h}/' "$src/scenarios/no-token-response-loss.yaml" > "$tmp/caught-warned.yaml"
"$bin" run "$tmp/caught-warned.yaml" --strict --runs 5 --out "$tmp/cw" --junit "$tmp/cw.junit" > /dev/null 2>&1
check "run --strict --junit: a caught bug failed by a warning is not called missed" test "$(grep -c 'not-caught' "$tmp/cw.junit")" = 0
check "run --strict --junit: ... its warnings fail it" grep -q 'name="warnings (--strict)"' "$tmp/cw.junit"
xmllint --noout --schema "$src/tests/junit.xsd" "$tmp/cw.junit" > /dev/null 2>&1
check "run --strict --junit: still valid JUnit" test $? = 0

mkdir -p "$tmp/other"; cp "$src/scenarios/baseline.yaml" "$tmp/other/baseline.yaml"
check "check: two scenarios whose counterexamples would share a file: exit 2, before searching" expect_exit 2 "would write their counterexamples to one file \(baseline-counterexample.yaml" check "$src/scenarios/baseline.yaml" "$tmp/other/baseline.yaml" --out "$tmp/cxdup"

check "sweep: a value with no effect is warned under the table" expect_exit 0 "warning: .*with service.tag_lag=1s:[0-9]+:[0-9]+: service.tag_lag has no effect" sweep "$src/scenarios/baseline.yaml" --set service.tag_lag=1s,2s --runs 2

sed 's/"unchecked": {/"unchecked": 5, "x": {/' "$tmp/whole/$rf" > "$tmp/badu.json"
check "report: a malformed unchecked field is bad input (exit 2), not an internal error" expect_exit 2 "badu.json: \"unchecked\" is not an object" report "$tmp/badu.json"

check "keys: a section lists its keys with type and default" expect_exit 0 "^service.store.ttl  \|  duration  \|  none$" keys service.store
check "keys: a mapping inside a row lists its keys" expect_exit 0 "^leaks.max_instance_hours$" keys leaks
check "keys: an unknown section: exit 2, naming the sections" expect_exit 2 "'nosuch' is not a section of the scenario format; use all, or one of top" keys nosuch

# serve: flags, a session end to end with curl-free raw HTTP (bash's /dev/tcp), its replay.
check "serve: a bad --listen: exit 2" expect_exit 2 "--listen takes ADDRESS:PORT" serve "$src/tests/serve/malformed.yaml" --listen nowhere
check "serve: --region not in the scenario: exit 2, naming its Regions" expect_exit 2 "--region mars-1 is not one of the scenario's Regions: us-east-1" serve "$src/tests/serve/malformed.yaml" --region mars-1 --out "$tmp/sv0"
check "serve: an address this machine does not have: exit 2, saying so" expect_exit 2 "cannot listen on 192.0.2.1:8787: .*give another --listen" serve "$src/tests/serve/malformed.yaml" --listen 192.0.2.1:8787 --out "$tmp/sv-bad" --for 1s
check "serve: a bad --for: exit 2" expect_exit 2 "--for takes a duration above zero" serve "$src/tests/serve/malformed.yaml" --for 0s
"$bin" serve "$src/tests/serve/malformed.yaml" --listen 127.0.0.1:0 --for 3s --out "$tmp/sv1" > "$tmp/sv1.log" 2>&1 &
svpid=$!
for _ in $(seq 50); do grep -q 'on http://' "$tmp/sv1.log" 2>/dev/null && break; sleep 0.1; done
svport=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/sv1.log" | head -1 | sed 's/.*://')
svreq() {  # svreq BODY: one POST over its own connection; prints the answer
  exec 3<>"/dev/tcp/127.0.0.1/$svport"
  printf 'POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nx-idemsim-intent: job-1\r\nContent-Length: %d\r\n\r\n%s' "${#1}" "$1" >&3
  cat <&3
  exec 3<&-
}
svreq "Action=RunInstances&ImageId=ami-1&MinCount=1&MaxCount=1&ClientToken=a" > "$tmp/sv1.a"
svreq "Action=RunInstances&ImageId=ami-1&MinCount=1&MaxCount=1&ClientToken=b" > "$tmp/sv1.b"
wait $svpid
check "serve: a launch answers EC2's XML with the reservation" grep -q "<reservationId>r-00000000000000001</reservationId>" "$tmp/sv1.a"
check "serve: two tokens for one named intent: exit 1, intent-instances" grep -q "intent-instances" "$tmp/sv1.log"
check "serve: the session file replays to the same trace hash" grep -q "the session file replays to the same" "$tmp/sv1.log"
check "serve: the results file is written" compgen -G "$tmp/sv1/*malformed.json"
check "serve --replay: the same verdict from the session file, and its trace hash" expect_exit 1 "trace hash $(grep -o 'trace hash 0x[0-9a-f]*' "$tmp/sv1.log" | head -1 | sed 's/trace hash //')" serve "$src/tests/serve/malformed.yaml" --replay "$tmp/sv1/session.jsonl"
printf '{"idemsim_session":1,"scenario":"x","content_hash":0,"seed":1}\n{"t":1,"api":7}\n' > "$tmp/bad-session.jsonl"
check "serve --replay: a bad session line: exit 2 with file:line" expect_exit 2 "bad-session.jsonl:2: not a session line" serve "$src/tests/serve/malformed.yaml" --replay "$tmp/bad-session.jsonl"
"$bin" serve "$src/tests/serve/malformed.yaml" --listen 127.0.0.1:0 --for 3s --out "$tmp/sv2" > "$tmp/sv2.log" 2>&1 &
svpid=$!
for _ in $(seq 50); do grep -q 'on http://' "$tmp/sv2.log" 2>/dev/null && break; sleep 0.1; done
check "serve: a second serve on the --out of one running is refused, even with --force: exit 2" expect_exit 2 "another idemsim serve is writing .*sv2 now" serve "$src/tests/serve/malformed.yaml" --listen 127.0.0.1:0 --out "$tmp/sv2" --force --for 1s
wait $svpid
check "serve: the first one's session file is whole" grep -q '"idemsim_session"' "$tmp/sv2/session.jsonl"
check "serve: an earlier session is not overwritten without --force: exit 2" expect_exit 2 "session.jsonl exists" serve "$src/tests/serve/malformed.yaml" --out "$tmp/sv1" --for 1s
# probe: the flags and the endpoint that cannot be reached (the rows themselves: tests/probe_test.cpp).
check "probe --help" expect_exit 0 "usage: idemsim probe --endpoint URL" probe --help
check "probe --help says it does not sign" expect_exit 0 "The probe does not sign its requests" probe --help
check "probe --help: no line over 100 columns" test "$("$bin" probe --help | awk 'length($0) > 100' | wc -l)" = 0
check "probe without --endpoint: exit 2" expect_exit 2 "probe needs --endpoint URL" probe
check "probe takes no operands: exit 2" expect_exit 2 "probe takes no operands: give the endpoint as --endpoint URL" probe http://127.0.0.1:8787
check "probe: https is refused" expect_exit 2 "plain HTTP only" probe --endpoint https://ec2.us-east-1.amazonaws.com
check "probe: --endpoint2 may be --endpoint again, in another Region; the same Region twice: exit 2" expect_exit 2 "--region2 is --region \(us-east-1\): the two endpoints must be two Regions" probe --endpoint http://127.0.0.1:8787 --endpoint2 127.0.0.1:8787 --region2 us-east-1
check "probe: --zones takes two" expect_exit 2 "--zones takes two different Availability Zones" probe --endpoint http://127.0.0.1:8787 --zones a,b,c
check "probe: nothing listening says to start serve, exit 2" expect_exit 2 "cannot connect to http://127.0.0.1:1 .*start \`idemsim serve SCENARIO --listen 127.0.0.1:1\` first" probe --endpoint http://127.0.0.1:1

# audit: CloudTrail judged (the judging itself: tests/audit_test.cpp, tests/audit_roundtrip_test.cpp).
check "audit --help" expect_exit 0 "usage: idemsim audit PATH" audit --help
check "audit --help: no line over 100 columns" test "$("$bin" audit --help | awk 'length($0) > 100' | wc -l)" = 0
check "audit without a path: exit 2" expect_exit 2 "audit needs CloudTrail files or directories" audit
check "audit: a clean day passes, exit 0" expect_exit 0 "^PASS: 0 violations of the token rules" audit "$src/tests/audit/clean"
check "audit: violations fail, exit 1" expect_exit 1 "^FAIL: 3 violations of the token rules, 1 suspected duplicate" audit "$src/tests/audit/violations"
check "audit: the report names the logged reservation" expect_exit 1 "r-0b2b2b2b2b2b2b2b2 .* terminated 2026-11-02T10:00:20Z by arn:aws:iam::111122223333:user/ops" audit "$src/tests/audit/violations"
python3 -c "import json,sys; r=[x for x in json.load(open(sys.argv[1]))['Records'] if 'clientToken' not in x['requestParameters']]; json.dump({'Records': r}, open(sys.argv[2], 'w'))" "$src/tests/audit/violations/eu-west-1.json" "$tmp/tokenless.json"
check "audit: suspected duplicates alone pass" expect_exit 0 "^PASS: 0 violations of the token rules, 1 suspected duplicate" audit "$tmp/tokenless.json"
check "audit --strict: suspected duplicates alone fail" expect_exit 1 "^FAIL: 0 violations of the token rules, 1 suspected duplicate .*under --strict" audit "$tmp/tokenless.json" --strict
check "audit: a cut-short file is bad input with its line and column, exit 2" expect_exit 2 "cut-short.json:5:[0-9]+: not JSON" audit "$src/tests/audit/malformed/cut-short.json"
check "audit: JSON that is not CloudTrail, exit 2" expect_exit 2 "not-cloudtrail.json:1:1: not CloudTrail: expected" audit "$src/tests/audit/malformed/not-cloudtrail.json"
check "audit: a missing path, exit 2" expect_exit 2 "nope.json: no such file or directory" audit "$tmp/nope.json"
check "audit: --window takes a duration" expect_exit 2 "--window takes a duration like 2m" audit "$src/tests/audit/clean" --window soon
check "audit: --terminate-time takes MIN..MAX" expect_exit 2 "MIN at most MAX" audit "$src/tests/audit/clean" --terminate-time 2h..1h
check "audit --strict: suspected duplicates fail" expect_exit 1 "suspected duplicate" audit "$src/tests/audit/violations/eu-west-1.json" --strict --terminate-time 0s
"$bin" audit "$src/tests/audit/violations" --format junit --out "$tmp/audit.junit" > /dev/null 2>&1 || true
check "audit --format junit passes the JUnit schema" xmllint --noout --schema "$src/tests/junit.xsd" "$tmp/audit.junit"
check "audit --format junit fails the properties broken" grep -q 'name="token-collision">' "$tmp/audit.junit"
"$bin" audit "$src/tests/audit/violations" --format json --out "$tmp/audit.json" > /dev/null 2>&1 || true
check "audit --format json is JSON with the verdict" python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r['verdict']=='fail' and len(r['suspected_duplicates'])==1 else 1)" "$tmp/audit.json"
check "audit --out does not overwrite without --force: exit 2" expect_exit 2 "exists" audit "$src/tests/audit/clean" --out "$tmp/audit.json"
"$bin" audit "$src/tests/audit/violations" --format csv --out "$tmp/audit.csv" > /dev/null 2>&1 || true
check "audit --format csv has a row per leak" test "$(grep -c '^Leaks,' "$tmp/audit.csv")" = 2
"$bin" audit "$src/tests/audit/violations" --format html --out "$tmp/audit.html" > /dev/null 2>&1 || true
check "audit --format html is one page with its tables" grep -q "<h2>The fleet&apos;s callers</h2>" "$tmp/audit.html"
check "audit --format html parses as HTML, without an error" test -z "$(xmllint --html --noout "$tmp/audit.html" 2>&1)"
# run/replay --cloudtrail: a run as CloudTrail, audited back.
check "replay --cloudtrail writes the run's records" expect_exit 1 "VIOLATION token-instances" replay "$src/scenarios/knobs/store-ttl-fast-retries-slow.yaml" --cloudtrail "$tmp/ct.json"
check "audit of replay --cloudtrail finds the run's token-instances" expect_exit 1 "### token-instances: token" audit "$tmp/ct.json" --terminate-time 9s..11s
check "run --cloudtrail takes one scenario file: exit 2" expect_exit 2 "--cloudtrail writes one run of one scenario" run "$src/scenarios/baseline.yaml" "$src/scenarios/knobs/store-ttl-fast-retries-slow.yaml" --cloudtrail "$tmp/ct2.json" --out "$tmp/ctr"
check "run --cloudtrail writes the first seed's run" expect_exit 0 "" run "$src/scenarios/baseline.yaml" --runs 2 --cloudtrail "$tmp/ct3.json" --out "$tmp/ctr3"
check "run --cloudtrail: the file is CloudTrail's shape" python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['Records']; sys.exit(0 if r and r[0]['eventSource']=='ec2.amazonaws.com' and r[0]['responseElements']['reservationId'] else 1)" "$tmp/ct3.json"

checks_done
