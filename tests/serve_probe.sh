#!/usr/bin/env bash
# idemsim probe against idemsim serve, over HTTP on loopback: the reference endpoint passes every
# row, and the same endpoint with each planted service bug of docs/probe.md's table fails exactly
# the rows that table says (the table is read from the doc: it is the one list, and this checks it
# against the wire). Usage: serve_probe.sh IDEMSIM SOURCE_DIR [PYTHON3]
set -u
bin=$1
src=$2
py=${3:-python3}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0

# probe_with SEMANTICS BUGS: starts serve with tests/serve/probe.yaml under that semantics and those
# planted bugs, probes it, prints the rows that did not pass (sorted, space-separated).
probe_with() {
  local sem=$1 bugs=$2 dir="$tmp/$1-${2:-none}"
  mkdir -p "$dir"
  { printf 'semantics: %s\n' "$sem"; [ -n "$bugs" ] && printf 'bugs: [%s]\n' "$bugs"; cat "$src/tests/serve/probe.yaml"; } > "$dir/s.yaml"
  "$bin" serve "$dir/s.yaml" --listen 127.0.0.1:0 --out "$dir" > "$dir/serve.log" 2>&1 &
  local pid=$! port=""
  for _ in $(seq 100); do
    port=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/serve.log" 2>/dev/null | head -1 | sed 's/.*://')
    [ -n "$port" ] && break
    sleep 0.05
  done
  if [ -z "$port" ]; then echo "serve did not start:"; cat "$dir/serve.log"; return 1; fi
  local sem_flag=$sem
  [ "$sem" = 2013 ] && sem_flag=v2013
  "$bin" probe --endpoint "http://127.0.0.1:$port" --endpoint2 "http://127.0.0.1:$port" --region2 us-west-2 \
    --zones us-east-1a,us-east-1b --subnets subnet-a1,subnet-a2 --semantics "$sem_flag" --wait 5 --format json > "$dir/probe.json" 2> "$dir/probe.err"
  kill -TERM $pid; wait $pid 2>/dev/null
  "$py" -c '
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
print(" ".join(sorted(r["id"] for r in rows if r["result"] not in ("pass", "n/a"))))' "$dir/probe.json" || { cat "$dir/probe.err"; return 1; }
}

for sem in current 2013; do
  got=$(probe_with $sem "")
  if [ -n "$got" ]; then echo "FAIL: the reference ($sem) failed rows: $got"; fails=$((fails + 1)); else echo "ok: the reference ($sem) passes every row"; fi
done

# The doc's table: | `bug` | semantics | `row`, `row` (notes) |
sed -n '/^| planted bug | semantics | rows that fail |/,/^$/p' "$src/docs/probe.md" | tail -n +3 | while IFS='|' read -r _ bug sem rows _; do
  bug=$(echo "$bug" | tr -d ' `')
  sem=$(echo "$sem" | tr -d ' ')
  [ -z "$bug" ] && continue
  want=$(echo "$rows" | sed 's/(.*//' | tr -d '`,' | xargs -n1 | sort | xargs)
  for s in current 2013; do
    [ "$sem" = either ] || [ "$sem" = "$s" ] || continue
    got=$(probe_with $s "$bug")
    if [ "$got" = "$want" ]; then echo "ok: $bug ($s) fails: $got"
    else echo "FAIL: $bug ($s): docs/probe.md says rows '$want' fail; over the wire: '$got'"; echo x >> "$tmp/failed"; fi
  done
done
[ -f "$tmp/failed" ] && fails=$((fails + $(wc -l < "$tmp/failed")))
echo "$fails failed"
[ "$fails" = 0 ]
