#!/usr/bin/env bash
# Service-scheduler benchmark: one service of 100, 1,000 and 5,000 tasks
# (instances scaled alongside) through a cold start, a rolling deployment, a
# scale-in, failures and crashes. Prints events/s, wall time and peak memory
# as reported by the run itself.
# Usage: bash benches/services.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-10s %10s %10s %9s %12s %12s\n' tasks instances events wall_s events_per_s peak_memory
for tasks in 100 1000 5000; do
  instances=$((tasks / 5))
  scenario="$tmp/service-$tasks.toml"
  sed -e "s/^desiredCount = 5000/desiredCount = $tasks/" \
      -e "s/^count = 1000/count = $instances/" \
      -e "s/^desired_count = 2000/desired_count = $((tasks * 2 / 5))/" \
      -e "s/^demand = { constant = 40000 }/demand = { constant = $((tasks * 8)) }/" \
      benches/service-5000.toml > "$scenario"
  line=$(./target/release/ecs-sim run "$scenario" --out "$tmp/out" | grep 'events in')
  events=$(echo "$line" | awk '{print $1}')
  wall=$(echo "$line" | awk '{print $4}')
  rate=$(echo "$line" | sed -E 's/.*\(([0-9]+) events\/s\).*/\1/')
  memory=$(echo "$line" | sed -E 's/.*peak memory (.*)$/\1/')
  printf '%-10s %10s %10s %9s %12s %12s\n' "$tasks" "$instances" "$events" "$wall" "$rate" "$memory"
done
