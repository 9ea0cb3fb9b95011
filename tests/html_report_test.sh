#!/usr/bin/env bash
# The HTML report in a real browser: Debian's chromium, headless, started here. The page must
# render with no console message at all (a script error, or anything it tried to load: its
# Content-Security-Policy forbids every load, and the browser says so on the console), run its
# script, and hold the tables, the plots and a timeline with the violating launch. Two broken
# copies of the page (a script error, an image from the network) show that the console check
# can fail. Also: the shards' HTML report is the whole run's, byte for byte, and sweep's page
# renders the same way.
# Usage: html_report_test.sh IDEMSIM SOURCE_DIR
set -u
bin=$1
src=$2
source "$(dirname "$0")/checks.sh"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "FAIL: chromium is not installed: run scripts/install-deps.sh --tests as root (it installs Debian's chromium)"
  exit 1
fi

# render PAGE NAME: the DOM after scripts ran into $tmp/NAME.dom, the browser's log into $tmp/NAME.log.
# --no-sandbox: the test may run as root (CI, a chroot), where chromium's sandbox refuses to start.
render() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$tmp/profile-$2" --enable-logging=stderr --v=0 --virtual-time-budget=3000 \
    --dump-dom "file://$1" > "$tmp/$2.dom" 2> "$tmp/$2.log"
}
no_console() {  # no_console NAME: the page said nothing on the console
  if grep -q "CONSOLE" "$tmp/$1.log"; then
    echo "  console of $1:"; grep "CONSOLE" "$tmp/$1.log" | head -5 | sed 's/^/    /'
    return 1
  fi
}
has_console() { grep -q "CONSOLE.*$2" "$tmp/$1.log"; }
dom_has() {  # dom_has NAME PATTERN
  grep -qE -- "$2" "$tmp/$1.dom" || { echo "  $1's DOM has no /$2/"; return 1; }
}

# A scenario whose bug is caught (a duplicate launch), and one that passes.
"$bin" run "$src/scenarios/no-token-response-loss.yaml" "$src/scenarios/baseline.yaml" --runs 30 --quiet \
  --out "$tmp/results" --html "$tmp/run.html" > "$tmp/run.out" 2>&1
check "run --html writes the page" test -s "$tmp/run.html"
"$bin" report "$tmp/results" --format html --out "$tmp/report.html" > /dev/null 2>&1
check "report --format html exits 0 when every scenario met its expect" test $? -eq 0
check "run --html and report --format html write the same page" cmp -s "$tmp/run.html" "$tmp/report.html"

# Self-contained: nothing in it names a place to load from (the SVG namespace is a name, not a load).
check "no external reference" bash -c "! grep -nE '(src|href)=\"(https?:)?//|@import|url\\((https?:)?//' '$tmp/report.html'"
check "a Content-Security-Policy forbids loading anything" grep -q "default-src 'none'" "$tmp/report.html"

render "$tmp/report.html" report
check "chromium rendered the report" test -s "$tmp/report.dom"
check "no console message (no script error, nothing blocked)" no_console report
check "its script ran" dom_has report 'data-ready="yes"'
check "the summary table" dom_has report '<table class="summary">'
check "a row per scenario" dom_has report 'no token under response loss</a>'
check "the amplification plot" dom_has report '<svg class="plot amplification"'
check "the latency plot" dom_has report '<svg class="plot latency"'
check "a timeline of the shortest failing run" dom_has report '<svg class="timeline" id="timeline-[0-9]+"'
check "the violating launch is marked on it" dom_has report '<g class="launch violating( leaked)?" data-attempt="[0-9]+"><title>violating launch: r-'
check "the attempts are arrows" dom_has report '<g class="attempt story'
check "the fault's window is shaded" dom_has report '<rect class="fault-window"'
check "the timeline's reproduce command" dom_has report 'Shortest failing run: seed [0-9]+'
check "the passing scenario has no timeline" bash -c "[ \$(grep -o '<svg class=\"timeline\"' '$tmp/report.dom' | wc -l) -eq 1 ]"

# The console check can fail: a script error, and a load the page's policy blocks.
sed 's|</body>|<script>no_such_function();</script></body>|' "$tmp/report.html" > "$tmp/broken-script.html"
render "$tmp/broken-script.html" broken-script
check "a script error reaches the console (the check can fail)" has_console broken-script "no_such_function"
sed 's|</body>|<img src="https://example.invalid/x.png"></body>|' "$tmp/report.html" > "$tmp/broken-load.html"
render "$tmp/broken-load.html" broken-load
check "a blocked load reaches the console (the check can fail)" has_console broken-load "Content Security Policy"

# Shards: the HTML report of three shards is the whole run's.
for k in 1 2 3; do
  "$bin" run "$src/scenarios/no-token-response-loss.yaml" --runs 30 --quiet --shard $k/3 --out "$tmp/shard$k" > /dev/null 2>&1
done
"$bin" run "$src/scenarios/no-token-response-loss.yaml" --runs 30 --quiet --out "$tmp/whole" > /dev/null 2>&1
# In reverse order: the merge must pick the whole run's shortest failing run (fewest events, then
# the lowest seed), whichever file comes first.
"$bin" report "$tmp/shard3" "$tmp/shard2" "$tmp/shard1" --format html --out "$tmp/shards.html" > /dev/null 2>&1
"$bin" report "$tmp/whole" --format html --out "$tmp/whole.html" > /dev/null 2>&1
check "three shards' HTML report is the whole run's, byte for byte" cmp -s "$tmp/shards.html" "$tmp/whole.html"

# A partial report (a shard not given) is not green, whatever its scenarios met.
"$bin" report "$tmp/shard1" "$tmp/shard2" --format html --out "$tmp/partial.html" > /dev/null 2>&1
check "a partial report exits 1" test $? -eq 1
check "a partial report's headline is not green" grep -q '<p class="headline bad">.*with seeds missing' "$tmp/partial.html"

# An edited timeline is refused with the field it got wrong (exit 2), never drawn wrong.
good=$(ls "$tmp/whole"/*.json)
edit() {  # edit NAME SED-SCRIPT PATTERN: report on the edited file exits 2 and names the field
  sed "$2" "$good" > "$tmp/$1.json"
  local out
  out=$("$bin" report "$tmp/$1.json" --format html 2>&1)
  local code=$?
  if [ "$code" != 2 ] || ! printf '%s\n' "$out" | grep -qE -- "$3"; then
    echo "  $1: exit $code, output: $(printf '%s\n' "$out" | head -3)"
    return 1
  fi
}
check "a negative count is refused" edit neg 's/"attempts_left_out": 0/"attempts_left_out": -3/' 'timeline.attempts_left_out: must be a whole number from 0 on, not -3'
check "a time as a string is refused" edit str '0,/"sent_us":\([0-9]*\)/s//"sent_us":"\1"/' 'timeline.attempts\[0\].sent_us: must be a whole number'
check "a lane out of range is refused" edit lane '0,/"from":[0-9]*,/s//"from":99,/' 'timeline.attempts\[0\].from: must be a whole number from 0 to [0-9]+, not 99'
check "a flag that is not true or false is refused" edit flag '0,/"bad":false/s//"bad":"yes"/' 'timeline.launches\[0\].bad: must be true or false'
check "a time past 2^53 microseconds is refused" edit big '0,/"sent_us":[0-9]*/s//"sent_us":9223372036854775807/' 'timeline.attempts\[0\].sent_us: must be a whole number from 0 to 9007199254740992'
check "a distribution out of order is refused" edit pairs 's/"attempts_per_intent": \[/"attempts_per_intent": [[18446744073709551615, 1], [2, 1], /' '"attempts_per_intent"\[0\]|"attempts_per_intent"\[1\]'
check "a request to a client's lane is refused" edit tolane '0,/"to":[0-9]*,/s//"to":0,/' 'timeline.attempts\[0\].to: names a client'"'"'s lane'
check "an answer before its request is refused" edit early '0,/"reached_us":[0-9]*,/s//"reached_us":0,/' 'timeline.attempts\[0\].reached_us: must be -1 or from sent_us to end_us'
check "a timeline of a seed that did not fail is refused" edit seed 's/^    "seed": [0-9]*,/    "seed": 999999,/' 'timeline.seed 999999 is not a failing seed'
check "a negative seed count is refused" edit runs '0,/"failing_runs": [0-9]*/s//"failing_runs": -1/' '"failing_runs" must be a whole number >= 0, not -1'

# What an SRE reading a failure expects of the timeline, each in its own page, measured in the
# browser by tests/html_layout_check.js (injected into a copy of the page; it writes its findings
# into a <pre> of its own).
# measure PAGE NAME: render a copy of PAGE with the check in it; its findings into $tmp/NAME.found
measure() {
  local page=$1 name=$2
  { sed 's|</body>||; s|</html>||' "$page"; printf '<script>\n'; cat "$(dirname "$0")/html_layout_check.js"; \
    printf '</script>\n</body>\n</html>\n'; } > "$tmp/$name-measured.html"
  render "$tmp/$name-measured.html" "$name"
  sed -n '/<pre id="layout-check">/,/<\/pre>/p' "$tmp/$name.dom" | sed 's/.*<pre id="layout-check">//; s|</pre>.*||' \
    > "$tmp/$name.found"
}
found() {  # found NAME PATTERN: the check's findings for NAME hold a line matching PATTERN
  grep -qE -- "$2" "$tmp/$1.found" || { echo "  $1: no /$2/ in:"; sed 's/^/    /' "$tmp/$1.found" | head -40; return 1; }
}
svg_of() {  # svg_of NAME CLASS: the first <svg> of NAME's page whose class attribute starts with CLASS
  sed -n "/<svg class=\"$2/,/<\/svg>/p" "$tmp/$1.dom" | sed '/<\/svg>/q'
}
in_svg() {  # in_svg NAME CLASS PATTERN
  svg_of "$1" "$2" | grep -qE -- "$3" || { echo "  $1: its <svg class=\"$2...\"> has no /$3/"; return 1; }
}
not_in_svg() {  # not_in_svg NAME CLASS PATTERN
  ! svg_of "$1" "$2" | grep -qE -- "$3" || { echo "  $1: its <svg class=\"$2...\"> has /$3/"; return 1; }
}
# A controller that crashes after sending (incident 8), seed 58: its first launch is an orphan no
# answer named (leaked), and its restart launches again with a new token and gets a 200.
"$bin" run "$src/scenarios/incidents/08-controller-crash-before-record.yaml" --seed 58 --runs 1 --quiet \
  --out "$tmp/orphan" --html "$tmp/orphan.html" > /dev/null 2>&1
measure "$tmp/orphan.html" orphan
check "orphan: no console message" no_console orphan
check "orphan: no two labels overlap" found orphan '^overlaps 0$'
check "orphan: the leaked launch has its own mark" in_svg orphan 'timeline"' '<g class="launch[a-z ]* leaked"'
check "orphan: the legend names the leaked mark" dom_has orphan '<span[^>]*>[^<]*leaked</span>'
check "orphan: a line from the leaked launch to its end" in_svg orphan 'timeline"' '<line class="life'
check "orphan: the violating mark is on the launch no answer named" in_svg orphan 'timeline close-up' '<g class="launch violating leaked"'
check "orphan: not on the launch the controller was told of" not_in_svg orphan 'timeline close-up' '<g class="launch violating"'
check "orphan: the crash fault is an instant, not a shaded window" in_svg orphan 'timeline"' '<g class="fault instant'
check "orphan: nothing shades the run for it" not_in_svg orphan 'timeline"' 'fault-window'
# Three controllers that keep their token across a crash, and a reaper that terminates a launch
# one of them still owns: the no-false-reap close-up holds the reaper's lane and its termination.
cat > "$tmp/reaped.yaml" <<'YAML'
name: "three controllers, a crash after sending, a reaper"
seed: 1
runs: 1
limit: 5m
clients:
  - {name: ctl, count: 3, token: persisted, timeout: 2s, start: {min: 0s, max: 3s}, controller: {state: durable, persist: before-send}}
reapers:
  - {every: 10s, reaps: unknown, grace: 5s}
faults:
  - crash: {target: client, group: ctl, when: after-send, rate: 50%, for: 3s, restart_after: 60s}
expect: {fail: no-false-reap}
YAML
"$bin" run "$tmp/reaped.yaml" --quiet --out "$tmp/reaped" --html "$tmp/reaped.html" > /dev/null 2>&1
measure "$tmp/reaped.html" reaped
check "reaped: no console message" no_console reaped
check "reaped: no two labels overlap" found reaped '^overlaps 0$'
check "reaped: the close-up has the reaper's lane" in_svg reaped 'timeline close-up' '>reaper 0</text>'
check "reaped: the close-up has its termination" in_svg reaped 'timeline close-up' '<title>terminated i-'
check "reaped: the leaked launch's line ends at the reaper's termination" in_svg reaped 'timeline close-up' '<line class="life[^"]*"[^>]*><title>[^<]*terminated[^<]*by reaper 0'
# Four faults over one another, one a caller's crash with no window.
cat > "$tmp/faults.yaml" <<'YAML'
name: "four faults at once"
seed: 1
runs: 1
limit: 2m
clients:
  - {name: app, count: 3, intents: 2, start: {min: 0s, max: 2s}, token: none, timeout: 1s, retry: {policy: aws-standard}}
faults:
  - lose: {what: response, rate: 30%, from: 0s, for: 4s}
  - storm: {code: Unavailable, rate: 50%, from: 1s, for: 3s}
  - spike: {rate: 20%, delay: {min: 1s, max: 2s}, from: 2s, for: 3s}
  - crash: {target: client, group: app, when: after-send, rate: 20%, restart_after: 5s}
expect: fail
YAML
"$bin" run "$tmp/faults.yaml" --quiet --out "$tmp/faults" --html "$tmp/faults.html" > /dev/null 2>&1
measure "$tmp/faults.html" faults
check "faults: no console message" no_console faults
check "faults: no two labels overlap" found faults '^overlaps 0$'
check "faults: no two fault bands overlap" found faults '^band-overlaps 0$'
check "faults: the crash is an instant" in_svg faults 'timeline"' '<g class="fault instant'
check "faults: three windows shaded" bash -c "[ \$(sed -n '/<svg class=\"timeline\"/,/<\/svg>/p' '$tmp/faults.dom' | sed '/<\/svg>/q' | grep -o '<g class=\"fault fault-' | wc -l) -eq 3 ]"
# A gap in attempts per intent is a gap on the amplification plot's axis (results edited: 29, 32,
# 580 and 583 attempts).
sed '/^  "attempts_per_intent": \[/,/^  \],/c\  "attempts_per_intent": [[29, 1], [32, 2], [580, 1], [583, 3]],' \
  "$tmp/whole"/*.json > "$tmp/gap.json"
check "gap: the results were edited" grep -q '"attempts_per_intent": \[\[29, 1\], \[32, 2\], \[580, 1\], \[583, 3\]\],' "$tmp/gap.json"
"$bin" report "$tmp/gap.json" --format html --out "$tmp/gap.html" > /dev/null 2>&1
measure "$tmp/gap.html" gap
check "gap: the amplification plot's x axis is linear, with numeric ticks" found gap '^linear Retry amplification yes$'
check "gap: no two labels overlap" found gap '^overlaps 0$'
# A store crash (seed 25): an axis whose break label and tick label once met.
"$bin" run "$src/scenarios/service/volatile-store-crash.yaml" --seed 25 --runs 1 --quiet --out "$tmp/store" \
  --html "$tmp/store.html" > /dev/null 2>&1
measure "$tmp/store.html" store
check "store crash: no two labels overlap" found store '^overlaps 0$'
# The first page too, and the check can fail: two labels written at one place.
measure "$tmp/report.html" measured
check "report: no two labels overlap" found measured '^overlaps 0$'
sed 's|</svg>|<text x="300" y="20">one label</text><text x="305" y="22">another</text></svg>|' "$tmp/report.html" > "$tmp/overlap.html"
measure "$tmp/overlap.html" overlap
check "two labels at one place are caught (the check can fail)" found overlap '^overlaps [1-9]'

# sweep --html: the table and a plot per series, rendered without a console message.
"$bin" sweep "$src/scenarios/no-token-response-loss.yaml" --set "clients[0].timeout=500ms,1s,5s" --runs 10 \
  --html "$tmp/sweep.html" > "$tmp/sweep.out" 2>&1
check "sweep --html writes the page" test -s "$tmp/sweep.html"
render "$tmp/sweep.html" sweep
check "sweep's page: no console message" no_console sweep
check "sweep's page: its table" dom_has sweep '<table class="sweep">'
check "sweep's page: a plot of violations against the value" dom_has sweep '<svg class="plot sweep"[^>]*aria-label="violations"'
check "sweep's page: a bar per value" dom_has sweep '<title>5s: [0-9]'

checks_done "html report"
