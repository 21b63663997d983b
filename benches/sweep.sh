#!/usr/bin/env bash
# Sweep speed-up: runs scenarios/strategy-shootout.toml (4 variants x 5
# replications) with 1 thread and with 2 threads, REPEAT times each,
# alternating, and prints the median wall time of each and their ratio.
# Also checks that both give byte-identical outputs.
# Usage: bash benches/sweep.sh [REPEAT]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=${1:-5}
cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin="${CARGO_TARGET_DIR:-target}/release/ecs-sim"
scenario=scenarios/strategy-shootout.toml
load=$(cut -d" " -f1-3 /proc/loadavg)
declare -A times
for i in $(seq "$repeat"); do
  for threads in 1 2; do
    rm -rf "$tmp/out-$threads"
    start=$(date +%s.%N)
    "$bin" run "$scenario" --threads "$threads" --out "$tmp/out-$threads" --quiet
    end=$(date +%s.%N)
    times[$threads]+="$(echo "$end - $start" | bc) "
  done
done
diff -r "$tmp/out-1" "$tmp/out-2" >/dev/null || { echo "outputs differ between 1 and 2 threads" >&2; exit 1; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
t1=$(echo "${times[1]}" | median)
t2=$(echo "${times[2]}" | median)
echo "cores: $(nproc); load average before: $load; runs per sweep: $(awk -F, 'NR>1' "$tmp/out-1/runs.csv" | wc -l); repeats: $repeat"
echo "1 thread:  ${times[1]}-> median ${t1} s"
echo "2 threads: ${times[2]}-> median ${t2} s"
echo "ratio (2 threads / 1 thread): $(echo "scale=3; $t2 / $t1" | bc)"
