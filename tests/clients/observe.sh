#!/usr/bin/env bash
# What the real clients do when every request meets one fault: how many attempts, how long
# between them, what each attempt sent (token, amz-sdk-invocation-id, amz-sdk-request) and
# how the call ended. The tables of docs/serve.md ("Real clients, as observed") come from its output. Not a
# test (nothing is asserted); it takes about four minutes.
#   observe.sh IDEMSIM [SRC_DIR]
set -uo pipefail
idemsim=$1
src=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
dir=$src/tests/clients
aws=${AWS_CLI:-/usr/bin/aws}
py=${BOTO3_PYTHON:-/usr/bin/python3}
node=${NODE:-node}
work=$(mktemp -d "${TMPDIR:-/tmp}/idemsim-observe.XXXXXX")
trap 'rm -rf "$work"' EXIT
: >"$work/empty"
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=$work/empty AWS_SHARED_CREDENTIALS_FILE=$work/empty
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_MAX_ATTEMPTS AWS_RETRY_MODE HTTP_PROXY HTTPS_PROXY http_proxy https_proxy
export NO_PROXY=127.0.0.1,localhost

fault() {  # NAME YAML-FAULT
  cat >"$work/$1.yaml" <<Y
name: "observe $1"
limit: 1h
regions: {us-east-1: {zones: [us-east-1a]}}
clients: [{name: live}]
faults:
  - $2
Y
}
fault 503-unavailable "storm: {status: 503, code: Unavailable, phase: before}"
fault 500-internal "storm: {status: 500, code: InternalError, phase: before}"
fault 503-throttled "storm: {status: 503, code: RequestLimitExceeded, phase: before}"
fault 400-incorrect-state "transient: {code: IncorrectState}"
fault reset-before "reset: {phase: before}"
fault lost-answer "lose: {what: response, rate: 100%}"

summary() {  # LABEL OUT_DIR CLIENT_STDOUT
  "$py" - "$@" <<'PY'
import json, sys
label, out, client_out, client_err = sys.argv[1:5]
reqs = []
for n, line in enumerate(open(out + "/session.jsonl")):
    j = json.loads(line)
    if n and "api" in j:
        reqs.append(j)
t = [r["t"] / 1e6 for r in reqs]
gaps = ["%.2f" % (b - a) for a, b in zip(t, t[1:])]
def text(r, k):  # the session file writes printable ASCII as it is, other bytes as hex under k + "_hex"
    return bytes.fromhex(r[k + "_hex"]).decode("utf-8", "replace") if k + "_hex" in r else r.get(k, "")
tokens = {text(r, "token") for r in reqs}
inv = {text(r, "invocation") for r in reqs if "invocation" in r or "invocation_hex" in r}
hdrs, end = "", ""
try:
    o = json.loads(open(client_out).read())
    c = o["calls"][-1]
    hdrs = " | ".join(str(a["sdk_request"]) for a in c["attempts"])
    ends = [a.get("end", "?") for a in c["attempts"]]
    end = "%s; attempts ended: %s" % ("ok" if c["ok"] else c["error"], ", ".join(ends))
except Exception:  # the AWS CLI: its exit code and its error message
    lines = [l for l in open(client_err).read().strip().splitlines() if l.strip()]
    end = lines[-1] + ("; " + lines[-2][:160] if len(lines) > 1 else "")
print("%-34s attempts=%d  gaps(s)=%s  tokens=%d  invocation-ids=%d  amz-sdk-request: %s  -> %s"
      % (label, len(reqs), ",".join(gaps) or "-", len(tokens), len(inv), hdrs or "-", end))
PY
}

observe() {  # LABEL FAULT COMMAND...   (the endpoint is appended where @ stands)
  local label=$1 f=$2
  shift 2
  label=$label-$f
  "$idemsim" serve "$work/$f.yaml" --listen 127.0.0.1:0 --for 150s --out "$work/$label" >"$work/$label.log" 2>&1 &
  local spid=$! port=""
  for _ in $(seq 100); do
    port=$(sed -n 's|^idemsim serve: .* on http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$work/$label.log")
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "$label: serve did not start"; cat "$work/$label.log"
    return
  fi
  local args=() a
  for a in "$@"; do [ "$a" = @ ] && args+=("http://127.0.0.1:$port") || args+=("$a"); done
  timeout 140 "${args[@]}" >"$work/$label.out" 2>"$work/$label.err"
  echo "exit $?" >>"$work/$label.err"
  kill -TERM $spid
  wait $spid
  summary "$label" "$work/$label" "$work/$label.out" "$work/$label.err"
}

for f in 503-unavailable 500-internal 503-throttled 400-incorrect-state reset-before lost-answer; do
  [ -x "$aws" ] && observe cli "$f" "$aws" ec2 run-instances --endpoint-url @ --cli-read-timeout 2 \
    --image-id ami-12345678 --instance-type t3.micro --count 1 --client-token "obs-$f"
  "$py" -c 'import boto3' 2>/dev/null && {
    observe boto3-default "$f" "$py" "$dir/boto3_client.py" @ launch --token "obs-$f" --read-timeout 2 --retry-mode default
    observe boto3-standard "$f" "$py" "$dir/boto3_client.py" @ launch --token "obs-$f" --read-timeout 2
  }
  [ -d "$dir/node_modules/@aws-sdk/client-ec2" ] &&
    observe js "$f" "$node" "$dir/js_client.mjs" @ launch --token "obs-$f" --read-timeout 2
done
