#!/usr/bin/env bash
# Submit an ecs-sim sweep to AWS Batch: an array job of SHARDS children
# (each runs `ecs-sim run SCENARIO --out WORK/shard-INDEX --shard auto/SHARDS`,
# INDEX coming from AWS_BATCH_JOB_ARRAY_INDEX), then a merge job that depends
# on the array job and so starts only when every child has succeeded (it
# fails without running if one child fails). The merge writes WORK/merged,
# the same files byte for byte as a one-machine `ecs-sim run SCENARIO`.
#
# Register deploy/aws-batch/job-definition.json first (see deploy/README.md):
#
#   aws batch register-job-definition --cli-input-json file://deploy/aws-batch/job-definition.json
#   JOB_QUEUE=my-queue deploy/aws-batch/submit.sh
#
# Settings (environment variables):
#   JOB_QUEUE       the job queue (required)
#   JOB_DEFINITION  name[:revision] of the registered definition [ecs-sim-shard]
#   SHARDS          number of array children, 2..10000 [4]
#   SCENARIO        scenario path inside the image
#                   [/opt/ecs-sim/scenarios/strategy-shootout.toml]
#   WORK            folder on the shared volume (the definition mounts EFS at
#                   /results) [/results/NAME-UTCSTAMP, new for each sweep]
#   THREADS         worker threads per child; keep it at the definition's vCPUs [2]
#   OUT             where the merge writes [$WORK/merged]
#
# Prints the two job ids. Follow them with
#   aws batch describe-jobs --jobs ARRAY_ID MERGE_ID --query 'jobs[].[jobName,status,statusReason]'
#
# Array jobs:      https://docs.aws.amazon.com/batch/latest/userguide/array_jobs.html
# Job dependencies: https://docs.aws.amazon.com/batch/latest/userguide/job_dependencies.html
set -euo pipefail

: "${JOB_QUEUE:?set JOB_QUEUE to the AWS Batch job queue}"
JOB_DEFINITION=${JOB_DEFINITION:-ecs-sim-shard}
SHARDS=${SHARDS:-4}
SCENARIO=${SCENARIO:-/opt/ecs-sim/scenarios/strategy-shootout.toml}
name=$(basename "$SCENARIO" .toml)
WORK=${WORK:-/results/$name-$(date -u +%Y%m%dT%H%M%SZ)}
THREADS=${THREADS:-2}
OUT=${OUT:-$WORK/merged}

case $SHARDS in '' | *[!0-9]*) echo "submit.sh: SHARDS must be a number" >&2; exit 2 ;; esac
if [ "$SHARDS" -lt 2 ] || [ "$SHARDS" -gt 10000 ]; then
  echo "submit.sh: an AWS Batch array has 2 to 10000 children, not $SHARDS" >&2
  exit 2
fi

# A JSON string, for values with quotes or backslashes.
json() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

params=$(printf '{"scenario": %s, "work": %s, "shards": %s, "threads": %s}' \
  "$(json "$SCENARIO")" "$(json "$WORK")" "$(json "$SHARDS")" "$(json "$THREADS")")
array_id=$(aws batch submit-job \
  --job-name "ecs-sim-$name" \
  --job-queue "$JOB_QUEUE" \
  --job-definition "$JOB_DEFINITION" \
  --array-properties "size=$SHARDS" \
  --parameters "$params" \
  --query jobId --output text)
echo "array job $array_id: $SHARDS shards of $SCENARIO into $WORK/shard-0..$((SHARDS - 1))"

# The merge reuses the definition (image, EFS volume) with another command;
# a plain dependency on the array job's id waits for all of its children.
# sh expands the shard folders in the container, so the command stays short
# however many shards there are; merge checks that all SHARDS are there,
# once each.
# shellcheck disable=SC2016 # $1 and $2 are for the container's sh
overrides=$(printf '{"command": ["sh", "-c", %s, "ecs-sim-merge", %s, %s]}' \
  "$(json 'exec ecs-sim merge "$1"/shard-* --out "$2"')" "$(json "$WORK")" "$(json "$OUT")")
merge_id=$(aws batch submit-job \
  --job-name "ecs-sim-$name-merge" \
  --job-queue "$JOB_QUEUE" \
  --job-definition "$JOB_DEFINITION" \
  --depends-on "jobId=$array_id" \
  --container-overrides "$overrides" \
  --query jobId --output text)
echo "merge job $merge_id (after $array_id): $OUT"
