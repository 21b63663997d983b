#!/usr/bin/env bash
# What instances that a memberOf excludes cost placement: the Alibaba 2018
# hour (scenarios/alibaba-2018-hour.toml) kept on its fleet by
# `memberOf(attribute:pool == batch)`, alone and with 3,000 more instances
# (m5.2xlarge, pool = web) that the expression excludes. Prints callgrind's
# instruction count of each and their ratio (issue 12's bar: at most 1.3).
# Instruction counts, not wall clock: timings on a shared machine vary by
# ±20 %, counts by well under 0.1 %.
# Usage: bash benches/member-of.sh [DURATION]   (simulated time, default 15m:
# the busiest part of the hour; callgrind runs about 50× slower)
# Needs valgrind and ../shared/traces.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-15m}
trace=../shared/traces/alibaba2018-batch/sample_tasks.csv
[ -f "$trace" ] || { echo "member-of.sh: $trace is missing (see ../shared/traces/README)" >&2; exit 2; }
cargo build --release --quiet
sim=${ECS_SIM:-./target/release/ecs-sim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The scenario with its batch fleet labelled and the constraint added; with
# an excluded fleet of $2 instances when $2 > 0.
scenario_for() { # path excluded_count
  python3 - "$1" "$2" "$duration" "$PWD/scenarios" <<'PY'
import sys
path, excluded, duration, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
text = open(f"{folder}/alibaba-2018-hour.toml").read()
text = text.replace('duration = "3h"', f'duration = "{duration}"')
text = text.replace("../../shared/traces", f"{folder}/../../shared/traces")
text = text.replace('count = 1200\n', 'count = 1200\nattributes = { pool = "batch" }\n')
text = text.replace(
    'placementStrategy = [{ type = "binpack", field = "memory" }]\n',
    'placementStrategy = [{ type = "binpack", field = "memory" }]\n'
    'placementConstraints = [{ type = "memberOf", expression = "attribute:pool == batch" }]\n',
)
if excluded:
    fleet = (f'[[fleet]]\nname = "web"\ninstance_types = ["m5.2xlarge"]\ncount = {excluded}\n'
             'attributes = { pool = "web" }\n\n')
    text = text.replace("[[task_definition]]", fleet + "[[task_definition]]", 1)
open(path, "w").write(text)
PY
}

instructions() { # scenario: prints "instructions events"
  valgrind --tool=callgrind --callgrind-out-file="$tmp/callgrind.out" "$sim" run "$1" --out "$tmp/out" > "$tmp/stdout" 2> "$tmp/valgrind.log"
  echo "$(grep -E '^==[0-9]+== Collected' "$tmp/valgrind.log" | awk '{print $4}') $(grep 'events in' "$tmp/stdout" | awk '{print $1}')"
}

scenario_for "$tmp/alone.toml" 0
scenario_for "$tmp/excluded.toml" 3000
read -r alone alone_events < <(instructions "$tmp/alone.toml")
read -r excluded excluded_events < <(instructions "$tmp/excluded.toml")
printf '%-34s %10s %16s %12s\n' "Alibaba hour ($duration simulated)" events instructions per_event
printf '%-34s %10s %16s %12.1f\n' "1,200 batch instances" "$alone_events" "$alone" "$(python3 -c "print($alone / $alone_events)")"
printf '%-34s %10s %16s %12.1f\n' "+ 3,000 excluded by memberOf" "$excluded_events" "$excluded" "$(python3 -c "print($excluded / $excluded_events)")"
python3 -c "print(f'ratio {$excluded / $alone:.3f} (bar: at most 1.3)')"
