#!/usr/bin/env bash
# A job script as people write them around the AWS CLI: launch the job's instance, and when
# `aws ec2 run-instances` fails, wait and run it again. tests/serve_clients.sh runs it against
# `idemsim serve` with the answers lost, in two ways:
#   cli_job.sh ENDPOINT new-token    each try makes a new --client-token (the bug: a try whose
#                                    answer was lost may have launched; the next launches again)
#   cli_job.sh ENDPOINT same-token   the token is made once, before the first try, and kept
# Every try names the intent with the tag idemsim:intent=job-1, so serve knows the tries are
# one launch. The AWS CLI is /usr/bin/aws unless AWS_CLI says otherwise.
set -uo pipefail
endpoint=$1 mode=$2
aws=${AWS_CLI:-/usr/bin/aws}
new_token() { echo "job-1-$(date +%s%N)-$RANDOM"; }
token=$(new_token)
for try in 1 2 3; do
  "$aws" ec2 run-instances --endpoint-url "$endpoint" --cli-read-timeout 2 --output json \
    --image-id ami-12345678 --instance-type t3.micro --count 1 --client-token "$token" \
    --tag-specifications 'ResourceType=instance,Tags=[{Key=idemsim:intent,Value=job-1}]'
  rc=$?
  [ $rc = 0 ] && exit 0
  echo "cli_job: try $try failed (aws exit $rc)" >&2
  [ "$mode" = new-token ] && token=$(new_token)
  sleep 1
done
exit 1
