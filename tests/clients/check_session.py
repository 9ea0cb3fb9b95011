#!/usr/bin/python3
"""The checks of tests/serve_clients.sh: one case of one client, from what serve wrote.

  check_session.py CASE CLIENT OUT_DIR SERVE_RC [CLIENT_OUTPUT...]

CASE: retry-storm, lost-answer, reset-after, read-timeout, job-new-token, job-same-token,
resend, lifecycle. CLIENT: cli, boto3 or js. OUT_DIR: serve's --out (session.jsonl and the results file).
SERVE_RC: serve's exit code. CLIENT_OUTPUT: the client's stdout, one file per command run (the
AWS CLI's JSON answer, or the JSON line tests/clients/boto3_client.py and js_client.mjs print).

Prints each request of the session (tokens, invocation ids, intents, clients decoded), then one
line per check; exits 1 when one fails. Python 3 standard library only.
"""
import glob
import json
import os
import sys

failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        failures.append(what)
    return cond


def load_session(out_dir):
    requests, gone = [], []
    with open(os.path.join(out_dir, "session.jsonl")) as f:
        for n, line in enumerate(f):
            j = json.loads(line)
            if n == 0 or "end" in j:
                continue
            if "gone" in j:
                gone.append(j)
                continue
            for k in ("token", "client", "invocation", "intent", "filter"):
                if k + "_hex" in j:  # bytes other than printable ASCII
                    j[k] = bytes.fromhex(j.pop(k + "_hex")).decode("utf-8", "replace")
            requests.append(j)
    return requests, gone


def load_results(out_dir):
    files = [f for f in glob.glob(os.path.join(out_dir, "*.json"))]
    if len(files) != 1:
        raise SystemExit("FAIL  %s: %d results files (%s), expected one" % (out_dir, len(files), files))
    with open(files[0]) as f:
        return json.load(f)


def load_outputs(paths):
    outs = []
    for p in paths:
        try:
            with open(p) as f:
                text = f.read().strip()
            try:
                outs.append(json.loads(text))
            except ValueError:  # a line of something else before the JSON line
                outs.append(json.loads(text.splitlines()[-1]))
        except (OSError, ValueError, IndexError):
            outs.append(None)
    return outs


def calls_of(requests, client):
    """The session's RunInstances requests grouped into calls as the client made them: by the
    SDK's invocation id where it sends one (boto3, JS), else by token (the AWS CLI 2.9.19 sends no
    invocation id: serve counts each of its requests as a call of its own)."""
    runs = [r for r in requests if r["api"] == 0]
    key = "token" if client == "cli" else "invocation"
    calls = {}
    for r in runs:
        calls.setdefault(r.get(key), []).append(r)
    return list(calls.values())


def main():
    case, client, out_dir, serve_rc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    outputs = load_outputs(sys.argv[5:])
    requests, gone = load_session(out_dir)
    print("session %s/session.jsonl: %d requests, %d connections closed by the client while waiting"
          % (out_dir, len(requests), len(gone)))
    for r in requests:
        print("  t=%8.3fs %s token=%s invocation=%s intent=%s client=%s" % (
            r["t"] / 1e6, ["RunInstances", "TerminateInstances", "DescribeInstances"][r["api"]],
            r.get("token", "-"), r.get("invocation", "-"), r.get("intent", "-"), r["client"]))
    for g in gone:
        print("  t=%8.3fs the client closed its connection waiting for request %d's answer" % (g["t"] / 1e6, g["gone"]))
    res = load_results(out_dir)
    run = res["results"][0]
    print("results: verdict %s, %d intents, %d instances, %d violations %s; serve exit %d" % (
        run["verdict"], run["intents"], run["instances"], run["violations"],
        json.dumps(res.get("violations_by_property", {})), serve_rc))
    for v in run.get("violation_details", []):
        print("  violation %s %s: %s" % (v["property"], v["subject"], v["detail"]))

    runs = [r for r in requests if r["api"] == 0]
    calls = calls_of(requests, client)
    products = {"cli": "aws-cli/", "boto3": "Boto3/", "js": "aws-sdk-js/"}
    check(runs and all(r["client"].startswith(products[client]) for r in runs),
          "every request's client is %s... (the User-Agent's product)" % products[client])
    if client == "cli":
        check(all("invocation" not in r for r in runs),
              "the AWS CLI 2.9.19 sends no amz-sdk-invocation-id (each request is a call to serve)")
    else:
        check(all(r.get("invocation") for r in runs), "every request carries an amz-sdk-invocation-id")
    for c in calls:
        check(len({r.get("token") for r in c}) == 1,
              "one token on every attempt of a call (%d attempts, token %s)" % (len(c), c[0].get("token")))
    fired = sum(f["fired"] for f in res.get("faults", []))
    if res.get("faults") and fired == 0:
        print("hint: the scenario's fault never acted: with this --seed it no longer falls where the case needs it "
              "(the scenario's comment says where it did); find a seed that puts it there again")

    def ok_session(instances, intents):
        check(serve_rc == 0, "serve exits 0 (no violation)")
        check(run["verdict"] == "pass", "verdict pass")
        check(run["instances"] == instances, "%d instance(s) launched (one per call)" % instances)
        check(run["intents"] == intents, "%d intent(s)" % intents)

    def answers_ok(n):
        check(len(outputs) == n and all(o is not None for o in outputs), "%d client output(s) read" % n)
        if client == "cli":
            oks = [o for o in outputs if o and o.get("ReservationId")]
            check(len(oks) == n, "every aws ec2 run-instances printed a reservation")
        else:
            oks = [c for o in outputs if o for c in o["calls"] if c["ok"]]
            check(len(oks) == n, "every call succeeded")

    if case == "retry-storm":
        # Two calls: one with a token of the test's, one without (the SDK fills one); a 503
        # before the service acted, retried by the SDK until it succeeded.
        check(len(calls) == 2, "two calls")
        tokens = [c[0].get("token") for c in calls]
        check(tokens[0] == "storm-%s-1" % client, "the first call's token is the one given")
        check(bool(tokens[1]) and tokens[1] != tokens[0], "the second call (no token given) sent one the SDK made: %s" % tokens[1])
        check(max(len(c) for c in calls) >= 2, "a call was retried by the SDK (attempts per call: %s)" % [len(c) for c in calls])
        check(fired >= 1, "the storm answered 503 (%d times)" % fired)
        answers_ok(2)
        ok_session(2, 2)
        if client != "cli":
            for o in outputs:
                for c in o["calls"]:
                    tries = [a["sdk_request"] for a in c["attempts"]]
                    check(all(t and t.startswith("attempt=%d" % (i + 1)) for i, t in enumerate(tries)),
                          "amz-sdk-request counts the attempts: %s" % tries)
    elif case in ("lost-answer", "reset-after", "read-timeout"):
        check(len(calls) == 1, "one call")
        check(len(calls) == 1 and calls[0][0].get("token") == "%s-%s-1" % (case, client), "its token is the one given")
        check(len(runs) >= 2, "the SDK retried it (%d attempts)" % len(runs))
        check(fired >= 1, "the fault acted (%d times)" % fired)
        if case != "reset-after":
            check(len(gone) >= 1, "the client gave up waiting (its read timeout) and closed the connection")
        answers_ok(1)
        ok_session(1, 1)
    elif case in ("job-new-token", "job-same-token"):
        # tests/clients/cli_job.sh: aws ec2 run-instances run again after a failed one.
        check(all(r.get("intent") == "job-1" for r in runs), "every request names the intent job-1 (its idemsim:intent tag)")
        tokens = {r.get("token") for r in runs}
        check(len(gone) >= 3, "the first command's attempts all timed out (%d)" % len(gone))
        if case == "job-new-token":
            check(len(tokens) == 2, "two tokens: the script's second command made a new one")
            check(serve_rc == 1, "serve exits 1 (a violation)")
            check(run["verdict"] == "fail", "verdict fail")
            check("intent-instances" in res.get("violations_by_property", {}), "an intent-instances violation")
            check(run["instances"] == 2, "2 instances for one intent")
        else:
            check(len(tokens) == 1, "one token: the script kept it")
            ok_session(1, 1)
    elif case == "resend":
        # One command (params dict / RunInstancesCommand) sent twice; its first send's answer lost.
        o = outputs[0] if outputs else None
        check(o is not None and len(o["calls"]) == 2, "two calls")
        if o is None or len(o["calls"]) != 2:
            return
        first, second = o["calls"]
        check(not first["ok"], "the first call failed (its answer lost, one attempt, read timeout): %s" % first.get("error"))
        check(second["ok"], "the second call succeeded")
        t1 = {a["token"] for a in first["attempts"]}
        t2 = {a["token"] for a in second["attempts"]}
        check(len(t1) == 1 and len(t2) == 1 and None not in t1 | t2, "each call sent one token the SDK made: %s, %s" % (t1, t2))
        # Observed (docs/serve.md ("Real clients, as observed")): the SDK makes a new token per call and
        # leaves the caller's input as it was; should this change, the doc is out of date.
        check(t1 != t2, "observed: the re-sent command got a new token (no write-back)")
        if client == "boto3":
            check(o["params_changed"] is False, "observed: run_instances left the params dict as it was")
        else:
            check(o["input_token_after"] is None, "observed: command.input.ClientToken stays unset")
        check(serve_rc == 1 and run["verdict"] == "fail", "serve exits 1: verdict fail")
        check("intent-instances" in res.get("violations_by_property", {}),
              "an intent-instances violation (the intent, named by its tag, launched twice)")
        check(run["instances"] == 2, "2 instances")
    elif case == "lifecycle":
        # tests/clients/cli_lifecycle.sh: a launch, three Describes not filtered by token, a Terminate.
        apis = [r["api"] for r in requests]
        check(apis.count(0) == 1 and apis.count(2) == 3 and apis.count(1) == 1,
              "one RunInstances, three DescribeInstances, one TerminateInstances (%s)" % apis)
        check(all("filter" not in r for r in requests if r["api"] == 2), "no Describe filtered by client token")
        ok_session(1, 1)
        check(run["requests"] == 5, "5 requests in the results")
    else:
        raise SystemExit("unknown case " + case)


if __name__ == "__main__":
    main()
    sys.exit(1 if failures else 0)
