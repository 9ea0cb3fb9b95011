#!/usr/bin/env bash
# serve.real_clients: `idemsim serve` with the real AWS clients, each case a session of its own:
# serve starts on a free port with a scenario of tests/serve/, a client runs against it, serve
# is stopped (SIGTERM) and judges the session, and tests/clients/check_session.py checks the
# session file, the results file and serve's exit code. The clients: Debian's AWS CLI
# (/usr/bin/aws), Debian's boto3 (/usr/bin/python3) and the JavaScript SDK v3 installed by
# tests/clients/install.sh. What they were seen doing is in docs/serve.md ("Real clients, as observed").
#
# usage: serve_clients.sh IDEMSIM SRC_DIR
#   exit 0: every case passed; 1: one failed (its serve log, session and client output are
#   printed); 77: the cases of the clients installed passed, and a client is not installed
#   (named; CTest reports the test skipped).
# AWS_CLI, BOTO3_PYTHON and NODE name other programs to use; SERVE_CLIENTS_KEEP=1 keeps the
# sessions, logs and client outputs (they are kept anyway when a case fails).
set -uo pipefail
if [ $# -ne 2 ]; then
  echo "usage: serve_clients.sh IDEMSIM SRC_DIR" >&2
  exit 2
fi
idemsim=$1
src=$2
clients_dir=$src/tests/clients
scenarios=$src/tests/serve
aws=${AWS_CLI:-/usr/bin/aws}
py=${BOTO3_PYTHON:-/usr/bin/python3}
node=${NODE:-node}
checker=/usr/bin/python3
[ -x "$checker" ] || checker=python3
export AWS_CLI=$aws

work=$(mktemp -d "${TMPDIR:-/tmp}/idemsim-serve-clients.XXXXXX")
spid=""
failed=()
passed=0
stop_serve() {
  serve_rc=-1
  if [ -n "$spid" ]; then
    kill -TERM "$spid" 2>/dev/null
    wait "$spid"
    serve_rc=$?
    spid=""
  fi
}
finish() {
  stop_serve
  if [ ${#failed[@]} -eq 0 ] && [ -z "${SERVE_CLIENTS_KEEP:-}" ]; then rm -rf "$work"; else echo "(kept $work)"; fi
}
trap finish EXIT

# A clean AWS environment: dummy credentials, no config or credentials file, no profile, no
# instance metadata, no proxy, no endpoint or retry settings from the caller's environment.
: >"$work/empty"
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=$work/empty AWS_SHARED_CREDENTIALS_FILE=$work/empty
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_EC2 AWS_MAX_ATTEMPTS \
  AWS_RETRY_MODE AWS_CA_BUNDLE HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

# The clients installed.
have=()
missing=()
if [ -x "$aws" ] && "$aws" --version >/dev/null 2>&1; then
  have+=(cli)
else
  missing+=("the AWS CLI ($aws; Debian's awscli: scripts/install-deps.sh --tests)")
fi
if [ -x "$py" ] && "$py" -c 'import boto3' 2>/dev/null; then
  have+=(boto3)
else
  missing+=("boto3 ($py -c 'import boto3'; Debian's python3-boto3: scripts/install-deps.sh --tests)")
fi
node_major=$("$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 18 ]; then
  missing+=("the JavaScript SDK: node 18 or later ($node: ${node_major/#0/none}; Debian's nodejs: scripts/install-deps.sh --tests)")
elif [ ! -f "$clients_dir/node_modules/@aws-sdk/client-ec2/package.json" ]; then
  missing+=("the JavaScript SDK: $clients_dir/node_modules has no @aws-sdk/client-ec2 (bash tests/clients/install.sh)")
else
  have+=(js)
fi
for m in "${missing[@]}"; do echo "not installed: $m"; done
if [ ${#have[@]} -eq 0 ]; then
  echo "no client installed: skipped"
  exit 77
fi
echo "clients: ${have[*]}"
[[ " ${have[*]} " == *" cli "* ]] && echo "  $("$aws" --version 2>&1)"
[[ " ${have[*]} " == *" boto3 "* ]] && echo "  $("$py" -c 'import boto3, botocore; print("boto3", boto3.__version__, "botocore", botocore.__version__)')"
[[ " ${have[*]} " == *" js "* ]] && echo "  @aws-sdk/client-ec2 $("$node" -p "require('$clients_dir/node_modules/@aws-sdk/client-ec2/package.json').version") on node $("$node" --version)"

# serve on a free port: sets spid, endpoint, out.
start_serve() {  # NAME SCENARIO SEED
  out=$work/$1
  "$idemsim" serve "$scenarios/$2" --listen 127.0.0.1:0 --for 90s --out "$out" --seed "$3" >"$work/$1.serve.log" 2>&1 &
  spid=$!
  local port=""
  for _ in $(seq 100); do
    port=$(sed -n 's|^idemsim serve: .* on http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$work/$1.serve.log")
    [ -n "$port" ] && break
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.1
  done
  endpoint=http://127.0.0.1:$port
  [ -n "$port" ]
}

# One client command: its stdout, stderr and exit code in $work/NAME.{out,err,rc}.N.
runs=0
client() {
  runs=$((runs + 1))
  timeout 120 "$@" >"$work/$name.out.$runs" 2>"$work/$name.err.$runs"
  echo $? >"$work/$name.rc.$runs"
}
cli_launch() {
  client "$aws" ec2 run-instances --endpoint-url "$endpoint" --output json --image-id ami-12345678 \
    --instance-type t3.micro --count 1 "$@"
}
boto3_run() { client "$py" "$clients_dir/boto3_client.py" "$endpoint" "$@"; }
js_run() { client "$node" "$clients_dir/js_client.mjs" "$endpoint" "$@"; }

# What each case runs, per client (none: the case does not apply to the client).
steps() {  # CASE CLIENT
  case "$1:$2" in
    # a. A 503 before the service acted: the SDK retries; one launch with a token, one without.
    retry-storm:cli) cli_launch --client-token storm-cli-1; cli_launch ;;
    retry-storm:boto3) boto3_run launch --token storm-boto3-1; boto3_run launch ;;
    retry-storm:js) js_run launch --token storm-js-1; js_run launch ;;
    # b, c. The service acted and the answer did not come back (lost; a reset; too slow): the
    # SDK's retry with the same token gets the same reservation.
    lost-answer:cli | reset-after:cli | read-timeout:cli) cli_launch --cli-read-timeout 2 --client-token "$1-cli-1" ;;
    lost-answer:boto3 | reset-after:boto3 | read-timeout:boto3)
      boto3_run launch --token "$1-boto3-1" --read-timeout 2 --max-attempts 3 ;;
    lost-answer:js | reset-after:js | read-timeout:js) js_run launch --token "$1-js-1" --read-timeout 2 ;;
    # d. A script that runs `aws ec2 run-instances` again after a failure.
    job-new-token:cli) client bash "$clients_dir/cli_job.sh" "$endpoint" new-token ;;
    job-same-token:cli) client bash "$clients_dir/cli_job.sh" "$endpoint" same-token ;;
    # e. One command sent twice (no token given), its first answer lost.
    resend:boto3) boto3_run resend --intent resend-job --read-timeout 2 --total-max-attempts 1 ;;
    resend:js) js_run resend --intent resend-job --read-timeout 2 --max-attempts 1 ;;
    # f. A launch, then Describes that are not a token's (by id, unfiltered, by state) and a
    # termination: lookups and cleanup, none of them a retry or a violation.
    lifecycle:cli) client bash "$clients_dir/cli_lifecycle.sh" "$endpoint" ;;
  esac
}
applies() {  # CASE CLIENT
  case "$1:$2" in
    retry-storm:* | lost-answer:* | reset-after:* | read-timeout:* | job-*:cli | resend:boto3 | resend:js | lifecycle:cli) return 0 ;;
    *) return 1 ;;
  esac
}

show() {  # a file, indented, under a title
  echo "---- $1"
  sed 's/^/    /' "$2" 2>/dev/null | head -c 20000
}

run_case() {  # CASE SCENARIO SEED
  local c
  for c in "${have[@]}"; do
    name=$1-$c
    runs=0
    applies "$1" "$c" || continue
    local t0=$SECONDS
    if ! start_serve "$name" "$2" "$3"; then
      echo "FAIL $name: serve did not start"
      show "serve log" "$work/$name.serve.log"
      failed+=("$name")
      stop_serve
      continue
    fi
    steps "$1" "$c"
    stop_serve
    local outs=() k
    for k in $(seq "$runs"); do outs+=("$work/$name.out.$k"); done
    if "$checker" "$clients_dir/check_session.py" "$1" "$c" "$out" "$serve_rc" "${outs[@]}" >"$work/$name.check" 2>&1; then
      passed=$((passed + 1))
      echo "PASS $name ($((SECONDS - t0))s; $(grep -c ' token=' "$work/$name.check") requests)"
    else
      failed+=("$name")
      echo "FAIL $name ($((SECONDS - t0))s): serve $2 --seed $3, serve exit $serve_rc"
      show "checks" "$work/$name.check"
      show "serve's output" "$work/$name.serve.log"
      for k in $(seq "$runs"); do
        show "client command $k: exit $(cat "$work/$name.rc.$k"), stdout" "$work/$name.out.$k"
        show "client command $k: stderr" "$work/$name.err.$k"
      done
    fi
  done
}

# The seeds put the fault where each case needs it (a scenario's comment says how its requests
# go): e.g. storm-before.yaml with seed 6 answers 503, ok, 503, 503, ok.
run_case retry-storm storm-before.yaml 6     # a
run_case lost-answer lose-response.yaml 6    # b
run_case reset-after reset-after.yaml 6      # c
run_case read-timeout spike.yaml 6           # c
run_case job-new-token lose-response.yaml 7  # d
run_case job-same-token lose-response.yaml 7 # d
run_case resend lose-response.yaml 6         # e
run_case lifecycle lifecycle.yaml 1          # f

echo "serve.real_clients: $passed passed, ${#failed[@]} failed (in ${SECONDS}s)"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "skipped: the cases of the clients not installed (above)"
  exit 77
fi
exit 0
