#!/usr/bin/env bash
# How near the event-loop limit the simulator runs: instructions per event of
# each benches/scale.sh configuration (fail/wait × random/spread_binpack, made
# from benches/scale-100k.toml exactly as scale.sh makes them) against a bare
# binary-heap event loop of the same (time, sequence) shape
# (benches/event_loop.rs), all counted by valgrind's callgrind. Instruction
# counts, not wall clock: timings on a shared machine vary by ±20 %, counts by
# well under 0.1 %.
# Usage: bash benches/limit.sh [CONFIG ...]   (default: all four; e.g. fail/random)
# ECS_SIM=path/to/ecs-sim measures another build of the simulator (e.g. an
# older commit's) against the same bare loop.
# Needs valgrind. Takes a few minutes (callgrind runs about 50× slower).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
sim=${ECS_SIM:-./target/release/ecs-sim}
loop_bin=$(cargo build --release --bench event_loop --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "event_loop" and m.get("executable"):
        print(m["executable"])')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
configs=("$@")
[ ${#configs[@]} -eq 0 ] && configs=(fail/random fail/spread_binpack wait/random wait/spread_binpack)

# Instructions counted by callgrind for a command; its stdout goes to $tmp/stdout.
instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$tmp/callgrind.out" "$@" > "$tmp/stdout" 2> "$tmp/valgrind.log"
  grep -E '^==[0-9]+== Collected' "$tmp/valgrind.log" | awk '{print $4}'
}

scenario_for() { # policy strategy path: the scenario scale.sh runs
  local policy=$1 strategy=$2 scenario=$3
  sed -e "s/^on_placement_failure = \"wait\"/on_placement_failure = \"$policy\"/" benches/scale-100k.toml > "$scenario"
  [ "$policy" = fail ] && sed -i '/^max_wait/d' "$scenario"
  if [ "$strategy" = random ]; then
    python3 - "$scenario" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
text = re.sub(r'placementStrategy = \[.*?\]\n', 'placementStrategy = [{ type = "random" }]\n', text, flags=re.S)
open(path, 'w').write(text)
PY
  fi
}

loop_ir=$(instructions "$loop_bin")
loop_events=$(awk '{print $1}' "$tmp/stdout")
loop_per_event=$(python3 -c "print(f'{$loop_ir / $loop_events:.1f}')")
printf '%-22s %10s %16s %12s %8s\n' configuration events instructions per_event ratio
printf '%-22s %10s %16s %12s %8s\n' "bare event loop" "$loop_events" "$loop_ir" "$loop_per_event" "1.00"
for config in "${configs[@]}"; do
  policy=${config%/*}
  strategy=${config#*/}
  scenario="$tmp/$policy-$strategy.toml"
  scenario_for "$policy" "$strategy" "$scenario"
  ir=$(instructions "$sim" run "$scenario" --out "$tmp/out")
  events=$(grep 'events in' "$tmp/stdout" | awk '{print $1}')
  python3 -c "
ir, events, base = $ir, $events, $loop_ir / $loop_events
print(f'{\"$config\":<22} {events:>10} {ir:>16} {ir / events:>12.1f} {ir / events / base:>8.2f}')"
done
