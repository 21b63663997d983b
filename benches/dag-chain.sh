#!/usr/bin/env bash
# DAG release cost: generates an Alibaba-2018-format trace of one job whose
# tasks form a single chain (M1, M2_1, M3_2, ...: each waits for the one
# before), replays it, and prints the CPU time (user + sys, /usr/bin/time) of
# the run. Each completion releases one task, so the run should cost about
# the same per task whatever the chain's length.
# Usage: bash benches/dag-chain.sh [TASKS]   (default 50000; ECS_SIM=path to
# another binary to time that one instead)
set -euo pipefail
cd "$(dirname "$0")/.."
tasks=${1:-50000}
if [ -z "${ECS_SIM:-}" ]; then
  cargo build --release --quiet
  ECS_SIM="${CARGO_TARGET_DIR:-target}/release/ecs-sim"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Every task arrives at 0 s and runs 1 s: the chain takes `tasks` seconds plus starts and stops.
awk -v n="$tasks" 'BEGIN { print "0,j_1,M1,1,50,1,1"; for (i = 2; i <= n; i++) printf "0,j_1,M%d_%d,1,50,1,1\n", i, i - 1 }' > "$tmp/chain.csv"
cat > "$tmp/scenario.toml" <<TOML
name = "dag-chain"
[simulation]
duration = "$(( tasks * 20 + 3600 ))s"
sample_interval = "1h"
[[fleet]]
name = "batch"
instance_types = ["m5.large"]
count = 1
[[task_definition]]
family = "batch"
containerDefinitions = [{ name = "task", cpu = 100, memory = 256 }]
[[workload]]
name = "chain"
trace = "chain.csv"
trace_format = "alibaba2018"
trace_machine = { vcpu = 96, memory_gib = 384 }
[workload.run_task]
taskDefinition = "batch"
[output]
tasks_csv = false
TOML
/usr/bin/time -f "cpu_s %U %S peak_rss_kib %M" "$ECS_SIM" run "$tmp/scenario.toml" --out "$tmp/out" --quiet 2> "$tmp/time.txt"
completed=$(awk -F, '$1 == "tasks_completed" { print $2 }' "$tmp/out/summary.csv")
awk -v n="$tasks" -v done="$completed" '/cpu_s/ { printf "chain of %d tasks (%s completed): %.2f s CPU (user %.2f + sys %.2f), peak RSS %.1f MiB\n", n, done, $2 + $3, $2, $3, $5 / 1024 }' "$tmp/time.txt"
