#!/usr/bin/env bash
# Streaming benchmark: generates a 10-million-row Alibaba-2018-format trace
# (gzipped), replays it, and prints rows/s and the peak memory of the run.
# Memory must stay bounded by live tasks, not by the trace length.
# Usage: bash benches/trace-10m.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One row every 0.1 s, each a one-instance job running 30-90 s: about 600 live tasks.
awk -v n="$rows" 'BEGIN { srand(7); for (i = 0; i < n; i++) printf "%.1f,j_%d,task_%d,%d,%d,%.2f,1\n", i / 10, i, i, 30 + int(rand() * 60), 25 + int(rand() * 100), 0.05 + rand() * 0.4 }' \
  | gzip -1 > "$tmp/trace.csv.gz"
cat > "$tmp/scenario.toml" <<TOML
name = "trace-10m"
[simulation]
duration = "$(( rows / 10 + 600 ))s"
sample_interval = "1h"
[[fleet]]
name = "batch"
instance_types = ["m5.2xlarge"]
count = 150
[[task_definition]]
family = "batch"
containerDefinitions = [{ name = "task", cpu = 100, memory = 256 }]
[[workload]]
name = "trace"
trace = "trace.csv.gz"
trace_format = "alibaba2018"
trace_machine = { vcpu = 96, memory_gib = 384 }
on_placement_failure = "wait"
[workload.run_task]
taskDefinition = "batch"
placementStrategy = [{ type = "binpack", field = "memory" }]
[output]
tasks_csv = false
TOML
echo "trace: $rows rows, $(du -h "$tmp/trace.csv.gz" | cut -f1) gzipped"
start=$(date +%s.%N)
/usr/bin/time -f "peak_rss_kib %M" ./target/release/ecs-sim run "$tmp/scenario.toml" --out "$tmp/out" 2> "$tmp/time.txt"
end=$(date +%s.%N)
peak=$(awk '/peak_rss_kib/ { print $2 }' "$tmp/time.txt")
submitted=$(awk -F, '$1 == "tasks_submitted" { print $2 }' "$tmp/out/summary.csv")
awk -v rows="$rows" -v s="$start" -v e="$end" -v kib="$peak" -v submitted="$submitted" \
  'BEGIN { printf "replayed %d rows (%d tasks submitted) in %.1f s: %.0f rows/s, peak RSS %.1f MiB\n", rows, submitted, e - s, rows / (e - s), kib / 1024 }'
