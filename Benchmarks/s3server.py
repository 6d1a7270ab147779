#!/usr/bin/env python3
"""moto's S3 server on 127.0.0.1 for benchmarks, with signatures checked.

    s3server.py [--upload DIR --bucket B --prefix P] [--copies FILE:PREFIX:COUNT ...]

Starts moto (ThreadedMotoServer) on an ephemeral port, makes an IAM user with an access key
(the first three requests need no signature), optionally uploads DIR to s3://B/P and COUNT
copies of FILE to s3://B/PREFIX (img_0000000.jpg, ...: tiny objects for a flat-memory check), then prints
one JSON line: {"endpoint", "access_key_id", "secret_access_key"}, and serves until stdin
closes or it is killed.
"""
import argparse
import json
import os
import sys

os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
from moto.server import ThreadedMotoServer  # noqa: E402
import boto3  # noqa: E402
from boto3.s3.transfer import TransferConfig  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--upload")
parser.add_argument("--bucket", default="imgeda-bench")
parser.add_argument("--prefix", default="")
parser.add_argument("--copies", action="append", default=[])
args = parser.parse_args()

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
_, port = server.get_host_and_port()
endpoint = f"http://127.0.0.1:{port}"
iam = boto3.client("iam", endpoint_url=endpoint, aws_access_key_id="setup", aws_secret_access_key="setup", region_name="us-east-1")
iam.create_user(UserName="imgeda")
iam.put_user_policy(UserName="imgeda", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="imgeda")["AccessKey"]
if args.upload or args.copies:
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key["AccessKeyId"],
                      aws_secret_access_key=key["SecretAccessKey"], region_name="us-east-1")
    s3.create_bucket(Bucket=args.bucket)
for spec in args.copies:
    source, prefix, count = spec.rsplit(":", 2)
    body = open(source, "rb").read()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: s3.put_object(Bucket=args.bucket, Key="%simg_%07d.jpg" % (prefix, i), Body=body),
                      range(int(count))))
    print(f"[s3server] put {count} copies of {source} under s3://{args.bucket}/{prefix}", file=sys.stderr)
if args.upload:
    files = [os.path.join(root, name) for root, _, names in os.walk(args.upload) for name in names]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda path: s3.upload_file(path, args.bucket, args.prefix + os.path.relpath(path, args.upload),
                                                  Config=TransferConfig(use_threads=False)), files))
    print(f"[s3server] uploaded {len(files)} files to s3://{args.bucket}/{args.prefix}", file=sys.stderr)
print(json.dumps({"endpoint": endpoint, "access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}), flush=True)
try:
    sys.stdin.read()
finally:
    server.stop()
