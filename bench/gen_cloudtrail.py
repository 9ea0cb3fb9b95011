#!/usr/bin/env python3
"""Writes a month of a busy account's CloudTrail as delivered (AWSLogs/ACCOUNT/CloudTrail/REGION/
YYYY/MM/DD/*.json.gz, 5,000 records a file, records shuffled within each file) for
bench/audit_scale.sh: N records, of which about 25% RunInstances (most with a client token, some
repeated, 1% without one), 10% TerminateInstances, 55% DescribeInstances and 10% other services'.
Deterministic: the same N and seed give the same files.  Usage: gen_cloudtrail.py DIR N [SEED]"""
import datetime, gzip, json, os, random, sys

out, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
ACCT, REGION = "111122223333", "us-east-1"
AGENTS = ["aws-sdk-go-v2/1.48.0 ua/2.1 os/linux lang/go#1.23.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.190.0",
          "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1.0 lang/python#3.11.6 Botocore/1.34.0",
          "aws-sdk-js/3.540.0 ua/2.1 os/linux#6.1.0 lang/js md/nodejs#20.11.0 api/ec2#3.540.0"]
start = datetime.datetime(2026, 10, 1)
span = 30 * 86400

def who(k):
    role = "worker-%d" % (k % 20)
    return {"type": "AssumedRole", "principalId": "AROAEXAMPLE:%s" % role,
            "arn": "arn:aws:sts::%s:assumed-role/%s/session-%d" % (ACCT, role, k % 20), "accountId": ACCT,
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE",
                                                 "arn": "arn:aws:iam::%s:role/%s" % (ACCT, role),
                                                 "accountId": ACCT, "userName": role}}}

def base(t, k, name, ro=False):
    return {"eventVersion": "1.09", "userIdentity": who(k),
            "eventTime": (start + datetime.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": "ec2.amazonaws.com", "eventName": name, "awsRegion": REGION,
            "sourceIPAddress": "10.0.%d.%d" % (k % 256, k % 7), "userAgent": AGENTS[k % 3],
            "requestID": "%032x" % rng.getrandbits(128), "eventID": "%032x" % rng.getrandbits(128),
            "readOnly": ro, "eventType": "AwsApiCall", "managementEvent": True,
            "recipientAccountId": ACCT, "eventCategory": "Management"}

launched = []  # (instance id, when)
records = []
serial = 0
def launch(t, k, token):
    global serial
    serial += 1
    res, inst = "r-%017x" % serial, "i-%017x" % serial
    r = base(t, k, "RunInstances")
    r["requestParameters"] = {"instancesSet": {"items": [{"imageId": "ami-0123456789abcdef0", "minCount": 1, "maxCount": 1}]},
                              "instanceType": "m5.large", "blockDeviceMapping": {}, "subnetId": "subnet-0e540f0c7ffb48ae9",
                              "monitoring": {"enabled": False}, "disableApiTermination": False}
    if token: r["requestParameters"]["clientToken"] = token
    r["responseElements"] = {"requestId": r["requestID"], "reservationId": res, "ownerId": ACCT, "groupSet": {},
                             "instancesSet": {"items": [{"instanceId": inst, "imageId": "ami-0123456789abcdef0",
                                 "instanceState": {"code": 0, "name": "pending"}, "amiLaunchIndex": 0,
                                 "instanceType": "m5.large", "launchTime": int((start.timestamp() + t) * 1000),
                                 "placement": {"availabilityZone": "us-east-1b", "tenancy": "default"},
                                 "subnetId": "subnet-0e540f0c7ffb48ae9", "clientToken": token or ""}]}}
    launched.append((inst, t))
    return r

while len(records) < n:
    t = rng.randrange(span)
    k = rng.randrange(1000)
    x = rng.random()
    if x < 0.25:
        token = None if rng.random() < 0.01 else "tok-%016x" % rng.getrandbits(64)
        r = launch(t, k, token)
        records.append(r)
        if token and rng.random() < 0.1 and len(records) < n:  # an SDK retry answered with the same launch
            again = json.loads(json.dumps(r))
            again["eventTime"] = (start + datetime.timedelta(seconds=t + 2)).strftime("%Y-%m-%dT%H:%M:%SZ")
            again["eventID"] = "%032x" % rng.getrandbits(128)
            records.append(again)
    elif x < 0.35 and launched:
        inst, when = launched[rng.randrange(len(launched))]
        r = base(max(t, when + 60), k, "TerminateInstances")
        r["requestParameters"] = {"instancesSet": {"items": [{"instanceId": inst}]}}
        r["responseElements"] = {"requestId": r["requestID"], "instancesSet": {"items": [{"instanceId": inst,
                                 "currentState": {"code": 32, "name": "shutting-down"},
                                 "previousState": {"code": 16, "name": "running"}}]}}
        records.append(r)
    elif x < 0.90:
        r = base(t, k, "DescribeInstances", True)
        r["requestParameters"] = {"instancesSet": {}, "filterSet": {}}
        r["responseElements"] = None
        records.append(r)
    else:
        r = base(t, k, "GetObject", True)
        r["eventSource"] = "s3.amazonaws.com"
        r["requestParameters"] = {"bucketName": "logs", "key": "k%d" % k}
        r["responseElements"] = None
        records.append(r)
records = records[:n]
records.sort(key=lambda r: r["eventTime"])
per = 5000
for i in range(0, len(records), per):
    chunk = records[i:i + per]
    rng.shuffle(chunk)
    day = chunk[0]["eventTime"][:10].replace("-", "/")
    d = os.path.join(out, "AWSLogs", ACCT, "CloudTrail", REGION, day)
    os.makedirs(d, exist_ok=True)
    name = "%s_CloudTrail_%s_%s_%06d.json.gz" % (ACCT, REGION, chunk[-1]["eventTime"][:16].replace("-", "").replace(":", ""), i // per)
    with gzip.open(os.path.join(d, name), "wt", compresslevel=1) as f:
        json.dump({"Records": chunk}, f, separators=(",", ":"))
print("%d records in %d files under %s" % (len(records), (len(records) + per - 1) // per, out))
