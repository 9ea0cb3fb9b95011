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
check "the violating launch is marked on it" dom_has report '<g class="launch violating" data-attempt="[0-9]+"><title>violating launch: r-'
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
