#!/usr/bin/env bash
# A launch and what a script does after it with the AWS CLI: look the instance up by id, list
# every instance and those pending or running (filters other than client-token), terminate it.
# None of these Describes is filtered by client token: each is a lookup of its own, which the
# oracle does not take for a retry nor judge by a token's rule. Prints the instance's id, then
# each command's JSON. The AWS CLI is /usr/bin/aws unless AWS_CLI says otherwise.
set -euo pipefail
endpoint=$1
aws=${AWS_CLI:-/usr/bin/aws}
run() { "$aws" --endpoint-url "$endpoint" --output json ec2 "$@"; }
id=$(run run-instances --image-id ami-12345678 --instance-type t3.micro --count 1 --client-token lifecycle-cli-1 \
       --query 'Instances[0].InstanceId' --output text)
echo "{\"InstanceId\": \"$id\"}"
sleep 1  # past describe_lag: a new instance is not visible at once
run describe-instances --instance-ids "$id" --query 'Reservations[0].Instances[0].State.Name'
run describe-instances --query 'length(Reservations)'
run describe-instances --filters Name=instance-state-name,Values=pending,running --query 'length(Reservations)'
run terminate-instances --instance-ids "$id" --query 'TerminatingInstances[0].CurrentState.Name'
