#!/usr/bin/python3
"""boto3 against `idemsim serve` (tests/serve_clients.sh runs it with Debian's /usr/bin/python3).

  boto3_client.py ENDPOINT launch|resend [--token T] [--intent NAME] [--read-timeout S]
                  [--max-attempts N | --total-max-attempts N] [--retry-mode MODE]

launch: one client.run_instances(**params) call; without --token there is no ClientToken in
        params, and botocore fills one (the idempotencyToken trait).
resend: the same params dict passed to run_instances twice, the second call made whatever the
        first one did (an application re-sending its command).
--max-attempts is botocore's retries={'max_attempts': N} (retries after the first attempt:
N + 1 attempts in all); --total-max-attempts is retries={'total_max_attempts': N} (N in all);
--retry-mode is retries={'mode': MODE}: standard (the default here), legacy, adaptive, or
default (no mode given: botocore's own default).

Prints one JSON line: each call's result or error, and for each of its attempts what went on the
wire (amz-sdk-invocation-id, amz-sdk-request, the ClientToken in the body), when (seconds since
the start), and how it ended (an HTTP status and error code, or an exception's name); and
whether the params dict was changed. Exit 0 when the last call succeeded, 1 otherwise.
"""
import argparse
import json
import sys
import time
from urllib.parse import parse_qs

import boto3
import botocore
from botocore.config import Config


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("endpoint")
    ap.add_argument("mode", choices=["launch", "resend"])
    ap.add_argument("--token")
    ap.add_argument("--intent")
    ap.add_argument("--read-timeout", type=float, default=60)
    ap.add_argument("--max-attempts", type=int)
    ap.add_argument("--total-max-attempts", type=int)
    ap.add_argument("--retry-mode", default="standard", choices=["standard", "legacy", "adaptive", "default"])
    a = ap.parse_args()

    retries = {} if a.retry_mode == "default" else {"mode": a.retry_mode}
    if a.max_attempts is not None:
        retries["max_attempts"] = a.max_attempts
    if a.total_max_attempts is not None:
        retries["total_max_attempts"] = a.total_max_attempts
    cfg = Config(read_timeout=a.read_timeout, connect_timeout=5, retries=retries)
    client = boto3.client("ec2", endpoint_url=a.endpoint, region_name="us-east-1",
                          aws_access_key_id="AKIDTEST", aws_secret_access_key="x", config=cfg)
    attempts = []
    t0 = time.monotonic()

    def before_send(request, **_):
        body = text(request.body) or ""
        attempts.append({
            "t": round(time.monotonic() - t0, 3),
            "invocation_id": text(request.headers.get("amz-sdk-invocation-id")),
            "sdk_request": text(request.headers.get("amz-sdk-request")),
            "token": (parse_qs(body).get("ClientToken") or [None])[0],
        })

    def after_attempt(response=None, caught_exception=None, **_):
        # needs-retry: once per attempt, before the retry handler decides; returns None (no say).
        if not attempts:
            return None
        x = attempts[-1]
        x["ended"] = round(time.monotonic() - t0, 3)
        if caught_exception is not None:
            x["end"] = type(caught_exception).__name__
        elif response is not None:
            http, parsed = response
            code = parsed.get("Error", {}).get("Code") if isinstance(parsed, dict) else None
            x["end"] = "%d%s" % (http.status_code, " " + code if code else "")
        return None

    client.meta.events.register("before-send.ec2.RunInstances", before_send)
    client.meta.events.register_first("needs-retry.ec2.RunInstances", after_attempt)

    params = {"ImageId": "ami-12345678", "InstanceType": "t3.micro", "MinCount": 1, "MaxCount": 1}
    if a.token:
        params["ClientToken"] = a.token
    if a.intent:
        params["TagSpecifications"] = [{"ResourceType": "instance",
                                        "Tags": [{"Key": "idemsim:intent", "Value": a.intent}]}]
    before = json.dumps(params, sort_keys=True)
    calls = []
    for _ in range(2 if a.mode == "resend" else 1):
        first = len(attempts)
        try:
            r = client.run_instances(**params)
            calls.append({"ok": True, "reservation": r["ReservationId"],
                          "instances": [i["InstanceId"] for i in r["Instances"]],
                          "token": r["Instances"][0].get("ClientToken")})
        except botocore.exceptions.ClientError as e:
            calls.append({"ok": False, "error": e.response["Error"]["Code"],
                          "status": e.response["ResponseMetadata"].get("HTTPStatusCode")})
        except Exception as e:  # a read timeout, a reset: botocore's own exceptions
            calls.append({"ok": False, "error": type(e).__name__, "message": str(e)[:200]})
        calls[-1]["attempts"] = attempts[first:]
    print(json.dumps({"client": "boto3 %s (botocore %s)" % (boto3.__version__, botocore.__version__),
                      "calls": calls, "params_changed": json.dumps(params, sort_keys=True) != before}))
    return 0 if calls[-1]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
