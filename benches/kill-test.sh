#!/usr/bin/env bash
# Kill test of complete-or-nothing results folders: a single run and a sweep
# each rewrite a results folder and are killed with SIGKILL at N random
# moments (default 20). After every kill the folder must be byte-identical
# to either its complete old results or the complete new ones, and nothing
# may lie beside it but the hidden staging folder, or the hidden previous
# folder (a kill just before it was removed), that the next start removes;
# the next start must then finish and leave nothing stray.
#
#   bash benches/kill-test.sh [N]        (ECS_SIM=path to test another binary)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20}
ECS_SIM=${ECS_SIM:-target/release/ecs-sim}
[ -x "$ECS_SIM" ] || { echo "no binary at $ECS_SIM (cargo build --release)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/ref" "$work/out"

same() { diff -r "$1" "$2" >/dev/null 2>&1; }

check_one() { # name scenario
  local name=$1 scenario=$2 out=$work/out/$1
  "$ECS_SIM" run "$scenario" -q --out "$work/ref/$name.old"
  "$ECS_SIM" run "$scenario" -q --seed 7 --out "$work/ref/$name.new"
  # Kill moments are spread over the length of one rewrite.
  local t0 t1
  t0=$(date +%s%N)
  "$ECS_SIM" run "$scenario" -q --seed 7 --out "$work/ref/timing" && rm -rf "$work/ref/timing"
  t1=$(date +%s%N)
  local length=$(((t1 - t0) / 1000000))
  local killed=0 old=0 new=0
  for ((i = 1; i <= N; i++)); do
    rm -rf "$out" && cp -a "$work/ref/$name.old" "$out"
    local delay
    delay=$(awk -v s="$RANDOM$i" -v ms="$length" 'BEGIN { srand(s); printf "%.3f", rand() * 1.1 * ms / 1000 }')
    "$ECS_SIM" run "$scenario" -q --seed 7 --out "$out" 2>/dev/null &
    local pid=$!
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null && killed=$((killed + 1))
    wait "$pid" 2>/dev/null || true
    if same "$work/ref/$name.old" "$out"; then
      old=$((old + 1))
    elif same "$work/ref/$name.new" "$out"; then
      new=$((new + 1))
    else
      echo "FAIL: $name: killed after ${delay} s, the folder is neither the old nor the new results"
      ls -A "$work/out"
      exit 1
    fi
    local strays
    strays=$(ls -A "$work/out" | grep -vxF -e "$name" -e ".$name.staging" -e ".$name.previous" || true)
    [ -z "$strays" ] || { echo "FAIL: $name: killed after ${delay} s, beside the folder: $strays"; exit 1; }
  done
  # The next start cleans up and completes.
  "$ECS_SIM" run "$scenario" -q --seed 7 --out "$out" 2>/dev/null
  same "$work/ref/$name.new" "$out" || { echo "FAIL: $name: the run after the kills differs"; exit 1; }
  local strays
  strays=$(ls -A "$work/out" | grep -vxF "$name" || true)
  [ -z "$strays" ] || { echo "FAIL: $name: left beside the folder after the next run: $strays"; exit 1; }
  echo "ok: $name: $N runs, $killed killed; afterwards the folder held the old results $old times, the new $new times, never anything else"
  rm -rf "$out"
}

check_one single scenarios/quickstart.toml
check_one sweep scenarios/strategy-shootout.toml
echo "PASS: $N SIGKILLs each of a run and a sweep left complete results"
