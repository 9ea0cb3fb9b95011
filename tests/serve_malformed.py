#!/usr/bin/env python3
"""Malformed input against `idemsim serve`: each case sends raw bytes over its own connection and
expects a status and an EC2 error code (or the connection closed), and the server to answer a good
request after all of them. Prints the table docs/serve.md shows; with --check-doc DOC, fails when
the doc's table differs from what was seen (the doc tells what happens, not what was meant to).

usage: serve_malformed.py IDEMSIM SCENARIO [--check-doc docs/serve.md]
Standard library only (no client SDK): it must run wherever the server builds.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

GOOD = "Action=RunInstances&Version=2016-11-15&ImageId=ami-1&MinCount=1&MaxCount=1&ClientToken="


def post(body, headers="", target="/", method="POST", version="HTTP/1.1"):
    if isinstance(body, str):
        body = body.encode("latin-1")
    head = (f"{method} {target} {version}\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n{headers}"
            f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
    return head + body


# (what was tried, the bytes, expected status or None for "closed without an answer", expected code)
CASES = [
    ("a request line cut short, then the client's side closed", b"POST / HTT", 400, "MalformedHTTPRequest"),
    ("a body shorter than its Content-Length, then the client's side closed",
     b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=Run", 400, "MalformedHTTPRequest"),
    ("bytes that are not HTTP", b"\x00\x01\x02 GARBAGE\r\n\r\n", 400, "MalformedHTTPRequest"),
    ("a header of 20 KiB (the limit is 16 KiB)", post(GOOD + "h1", "X-Big: " + "a" * 20480 + "\r\n"), 413,
     "RequestEntityTooLarge"),
    ("a body of 2 MiB (the limit is 1 MiB)", post(GOOD + "b" * (2 << 20)), 413, "RequestEntityTooLarge"),
    ("a bad %-escape in the form", post(GOOD + "%ZZ"), 400, "MalformedQueryString"),
    ("no Action", post("Version=2016-11-15&ImageId=ami-1"), 400, "MissingAction"),
    ("an unknown Action", post("Action=DeleteEverything"), 400, "InvalidAction"),
    ("RunInstances without ImageId", post("Action=RunInstances&MinCount=1&MaxCount=1"), 400, "MissingParameter"),
    ("MinCount=0", post("Action=RunInstances&ImageId=ami-1&MinCount=0&MaxCount=1"), 400, "InvalidParameterValue"),
    ("MaxCount=99999999999999999999", post("Action=RunInstances&ImageId=ami-1&MinCount=1&MaxCount=99999999999999999999"), 400,
     "InvalidParameterValue"),
    ("MinCount=abc", post("Action=RunInstances&ImageId=ami-1&MinCount=abc&MaxCount=1"), 400, "InvalidParameterValue"),
    ("MinCount above MaxCount", post("Action=RunInstances&ImageId=ami-1&MinCount=3&MaxCount=2"), 400, "InvalidParameterValue"),
    ("a parameter given twice", post(GOOD + "t2&ImageId=ami-2"), 400, "InvalidParameterValue"),
    ("a 65-character ClientToken (the service refuses it)", post(GOOD + "x" * 65), 400, "InvalidParameterValue"),
    ("a ClientToken of bytes that are not UTF-8 (%FF%FE)", post(GOOD + "%FF%FE"), 400, "InvalidParameterValue"),
    ("InstanceId.1 and InstanceId.3 (a gap)", post("Action=TerminateInstances&InstanceId.1=i-00000000000000001&InstanceId.3=i-1"),
     400, "InvalidParameterValue"),
    ("a filter serve does not know", post("Action=DescribeInstances&Filter.1.Name=tag:Owner&Filter.1.Value.1=me"), 400,
     "InvalidParameterValue"),
    ("an instance id that is none", post("Action=TerminateInstances&InstanceId.1=i-nothing"), 400, "InvalidInstanceID.NotFound"),
    ("a Region the scenario does not have (credential scope)",
     post(GOOD + "r1", "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/mars-north-1/ec2/aws4_request, Signature=0\r\n"),
     400, "InvalidParameterValue"),
    ("Content-Type: application/json", post(GOOD + "j1").replace(b"application/x-www-form-urlencoded", b"application/json"), 400,
     "InvalidParameterValue"),
    ("PUT", post(GOOD + "p1", method="PUT"), 405, "UnsupportedProtocol"),
    ("a path other than /", post(GOOD + "p2", target="/admin"), 404, "InvalidAction"),
    ("a chunked body", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n" + hex(len(GOOD + "c1"))[2:].encode() + b"\r\n" + (GOOD + "c1").encode() +
     b"\r\n0\r\n\r\n", 200, None),
    ("GET with the form in the query string", ("GET /?" + GOOD + "g1 HTTP/1.1\r\nHost: x\r\n\r\n").encode(), 200, None),
    ("HTTP/1.0, no keep-alive", post(GOOD + "h10", version="HTTP/1.0"), 200, None),
]


def exchange(port, data, timeout=5.0):
    """Sends `data`, half-closes when the case is cut short, and reads one answer: (status, code) or None when closed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    if not got:
        return None
    m = re.match(rb"HTTP/1\.[01] (\d+)", got)
    status = int(m.group(1)) if m else -1
    c = re.search(rb"<Code>([^<]*)</Code>", got)
    return status, c.group(1).decode() if c else None


def main():
    idemsim, scenario = sys.argv[1], sys.argv[2]
    doc = sys.argv[sys.argv.index("--check-doc") + 1] if "--check-doc" in sys.argv else None
    out = tempfile.mkdtemp()
    log = open(os.path.join(out, "serve.log"), "w+")
    srv = subprocess.Popen([idemsim, "serve", scenario, "--listen", "127.0.0.1:0", "--out", out, "--max-connections", "8"],
                           stdout=log, stderr=subprocess.STDOUT)
    port = None
    for _ in range(100):
        log.seek(0)
        m = re.search(r"on http://127\.0\.0\.1:(\d+)", log.read())
        if m:
            port = int(m.group(1))
            break
        time.sleep(0.05)
    if port is None:
        log.seek(0)
        print(log.read())
        sys.exit("the server did not start")
    failures = 0
    rows = []
    for what, data, status, code in CASES:
        got = exchange(port, data)
        want = None if status is None else (status, code)
        seen = "closed, no answer" if got is None else f"{got[0]} {got[1] or ''}".strip()
        rows.append(f"| {what} | {seen} |")
        if got != want:
            failures += 1
            print(f"FAIL: {what}: expected {want}, got {got}")
        if srv.poll() is not None:
            sys.exit(f"the server died on: {what}")
    # Two requests pipelined on one connection: each is answered, in order.
    s2 = socket.create_connection(("127.0.0.1", port), timeout=5)
    s2.sendall(post(GOOD + "pipe1") + post(GOOD + "pipe2"))
    s2.shutdown(socket.SHUT_WR)
    got = b""
    try:
        while True:
            chunk = s2.recv(65536)
            if not chunk:
                break
            got += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    s2.close()
    statuses = re.findall(rb"HTTP/1\.1 (\d+)", got)
    seen = ", ".join(x.decode() for x in statuses) or "closed, no answer"
    rows.append(f"| two requests pipelined on one connection | {seen} |")
    if statuses != [b"200", b"200"]:
        failures += 1
        print(f"FAIL: two pipelined requests got {seen}")
    # More connections than --max-connections: those past the limit are closed as they come.
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
    time.sleep(0.2)
    extra = socket.create_connection(("127.0.0.1", port), timeout=3)
    extra.sendall(post(GOOD + "over"))
    try:
        closed = extra.recv(100) == b""
    except ConnectionResetError:
        closed = True
    rows.append(f"| a 9th connection with --max-connections 8 | {'closed, no answer' if closed else 'answered'} |")
    if not closed:
        failures += 1
        print("FAIL: a connection past --max-connections was answered")
    for h in held + [extra]:
        h.close()
    time.sleep(0.2)
    # Still serving.
    last = exchange(port, post(GOOD + "after"))
    if last != (200, None):
        failures += 1
        print(f"FAIL: a good request after the malformed ones got {last}")
    srv.terminate()
    srv.wait(timeout=30)
    table = "| what was sent | what came back (status, EC2 error code) |\n|---|---|\n" + "\n".join(rows) + "\n"
    print(table)
    if doc:
        text = open(doc).read()
        if table not in text:
            failures += 1
            print(f"FAIL: {doc} does not hold the table above (between its 'Malformed input' heading and the next); paste it")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
