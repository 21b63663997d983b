#!/usr/bin/env bash
# End-to-end scale benchmark: 100,000 tasks on 5,000 instances, in four
# variants (RunTask's default fail-at-once and the wait queue, each with
# random and spread(zone)+binpack(memory) placement). Prints events/s, wall
# time and peak memory as reported by the run itself (VmHWM).
# Usage: bash benches/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-34s %10s %9s %12s %12s\n' variant events wall_s events_per_s peak_memory
for policy in fail wait; do
  for strategy in random spread_binpack; do
    scenario="$tmp/$policy-$strategy.toml"
    sed -e "s/^on_placement_failure = \"wait\"/on_placement_failure = \"$policy\"/" benches/scale-100k.toml > "$scenario"
    [ "$policy" = fail ] && sed -i '/^max_wait/d' "$scenario"
    if [ "$strategy" = random ]; then
      # Replace the two-line strategy chain with RunTask's default.
      python3 - "$scenario" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
text = re.sub(r'placementStrategy = \[.*?\]\n', 'placementStrategy = [{ type = "random" }]\n', text, flags=re.S)
open(path, 'w').write(text)
PY
    fi
    line=$(./target/release/ecs-sim run "$scenario" --out "$tmp/out" | grep 'events in')
    events=$(echo "$line" | awk '{print $1}')
    wall=$(echo "$line" | awk '{print $4}')
    rate=$(echo "$line" | sed -E 's/.*\(([0-9]+) events\/s\).*/\1/')
    memory=$(echo "$line" | sed -E 's/.*peak memory (.*)$/\1/')
    printf '%-34s %10s %9s %12s %12s\n' "$policy/$strategy" "$events" "$wall" "$rate" "$memory"
  done
done
