#!/usr/bin/env bash
# A bounded load test of `idemsim serve` on loopback: N concurrent clients for M seconds (default
# 16 and 10), the requests per second held and the latency the clients saw, then a check that the
# session's history holds every request they sent. Usage: bench/serve_load.sh [BUILD_DIR] [N] [M]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
n=${2:-16}
m=${3:-10}
out=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$out"' EXIT
"$build/idemsim" serve "$here/serve-load.yaml" --listen 127.0.0.1:0 --out "$out" >"$out/serve.log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q 'on http://' "$out/serve.log" 2>/dev/null && break; sleep 0.1; done
port=$(grep -o 'http://127.0.0.1:[0-9]*' "$out/serve.log" | head -1 | sed 's/.*://')
[ -n "$port" ] || { cat "$out/serve.log"; exit 1; }
"$build/serve_load" 127.0.0.1 "$port" "$n" "$m" | tee "$out/load.txt"
kill -TERM $pid
wait $pid || true
sent=$(sed -n 's/^sent //p' "$out/load.txt")
seen=$(grep -c '"api"' "$out/session.jsonl")
echo "history: $seen requests in the session file, $sent sent"
grep -E 'session over|trace hash' "$out/serve.log" | head -2
[ "$sent" = "$seen" ] || { echo "FAIL: the history lost requests"; exit 1; }
