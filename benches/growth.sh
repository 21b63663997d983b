#!/usr/bin/env bash
# How the time per event grows with the cluster: benches/scale-100k.toml (the
# wait queue) at 500 × 10k, 5,000 × 100k and 50,000 × 1M (instances × tasks),
# the arrival rate scaled with the fleet so that the load stays the same, for
# binpack(memory) and spread(zone) + binpack(memory). Prints events, CPU
# seconds (user + sys, from /usr/bin/time) and microseconds of CPU per event,
# and each size's ratio to 5,000 × 100k (issue 12's bar: 50,000 × 1M within
# 1.5×). CPU time, not wall: this machine is shared; run it when it is quiet
# and compare only figures from one run.
# Usage: bash benches/growth.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
sim=${ECS_SIM:-./target/release/ecs-sim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

scenario_for() { # path instances tasks strategy
  python3 - "$@" <<'PY'
import re, sys
path, instances, tasks, strategy = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
text = open("benches/scale-100k.toml").read()
text = text.replace("count = 5000", f"count = {instances}")
# 50,000 instances is ten times ECS's default quota per cluster: a what-if.
text = text.replace("[simulation]\n", "[simulation]\nallow_beyond_quotas = true\n", 1)
text = text.replace("max_tasks = 100000", f"max_tasks = {tasks}")
text = text.replace("rate_per_minute = 600", f"rate_per_minute = {600 * instances // 5000}")
if strategy == "binpack":
    text = re.sub(r'placementStrategy = \[.*?\]\n', 'placementStrategy = [{ type = "binpack", field = "memory" }]\n', text, flags=re.S)
open(path, "w").write(text)
PY
}

printf '%-26s %-10s %10s %9s %12s %8s\n' strategy size events cpu_s us_per_event ratio
for strategy in binpack spread_binpack; do
  declare -A per_event=()
  for size in 500:10000 5000:100000 50000:1000000; do
    instances=${size%:*}
    tasks=${size#*:}
    scenario="$tmp/$strategy-$instances.toml"
    scenario_for "$scenario" "$instances" "$tasks" "$strategy"
    /usr/bin/time -f '%U %S' -o "$tmp/time" "$sim" run "$scenario" --out "$tmp/out" > "$tmp/stdout"
    events=$(grep 'events in' "$tmp/stdout" | awk '{print $1}')
    cpu=$(awk '{print $1 + $2}' "$tmp/time")
    per_event[$instances]=$(python3 -c "print($cpu / $events * 1e6)")
    printf '%-26s %-10s %10s %9.2f %12.3f %8s\n' "$strategy" "${instances}x${tasks}" "$events" "$cpu" "${per_event[$instances]}" \
      "$( [ -n "${per_event[5000]:-}" ] && python3 -c "print(f'{${per_event[$instances]} / ${per_event[5000]}:.2f}')" || echo -)"
  done
  unset per_event
done
