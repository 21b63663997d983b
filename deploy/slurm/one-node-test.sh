#!/usr/bin/env bash
# One-node Slurm test of the sharded sweep: on this machine it starts a
# throwaway Slurm cluster of one node (munged, slurmctld and slurmd run
# directly, no systemd), runs deploy/slurm/sweep.sbatch as a job array of
# COUNT tasks, merges the shards with deploy/slurm/merge.sbatch (a job that
# depends on the array with afterok), runs the same scenario on one machine
# and compares the two result folders with diff -r. It also checks that
# `ecs-sim merge` exits 2 on a missing, a duplicated and a foreign shard.
#
#   deploy/slurm/one-node-test.sh [SCENARIO]
#
#   SCENARIO  a scenario with a [sweep] [default: scenarios/strategy-shootout.toml]
#   ECS_SIM   the ecs-sim binary [default: target/release/ecs-sim in the repo]
#   COUNT     number of shards [default: 4]
#   KEEP=1    keep the temporary folder (configuration, logs, results)
#
# Needs root (slurmd runs jobs as their owner, so it runs as root). Installs
# Debian's slurm-wlm and munge when they are missing. Everything else lives
# in a temporary folder: its own munge key and socket, its own slurm.conf
# (SLURM_CONF), state and spool folders, and free TCP ports on 127.0.0.1, so
# it neither uses nor disturbs a Slurm or munge already set up on the machine.
# The daemons it started are stopped on exit, whatever happens.
#
# Prints "PASS: ..." and exits 0, or "FAIL: ..." and exits 1.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
COUNT=${COUNT:-4}
t_start=$SECONDS

say() { printf '[%3ds] %s\n' "$((SECONDS - t_start))" "$*"; }
fail() {
  echo "FAIL: $*"
  exit 1
}

# A relative path is taken from the current folder if it is there, else
# from the repo root.
resolve() {
  local p=$1
  case $p in
    /*) ;;
    *) if [ -e "$PWD/$p" ]; then p=$PWD/$p; else p=$repo/$p; fi ;;
  esac
  realpath -m "$p"
}

ECS_SIM=$(resolve "${ECS_SIM:-target/release/ecs-sim}")
SCENARIO=$(resolve "${1:-scenarios/strategy-shootout.toml}")
[ -x "$ECS_SIM" ] || fail "no ecs-sim binary at $ECS_SIM (cargo build --release, or set ECS_SIM)"
[ -f "$SCENARIO" ] || fail "no scenario at $SCENARIO"
[ "$(id -u)" = 0 ] || fail "run it as root: slurmd has to run as root to start jobs"
case $COUNT in '' | *[!0-9]* | 0 | 1) fail "COUNT must be 2 or more, not '$COUNT'" ;; esac

# --- Slurm and munge from Debian's packages, when missing --------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
   ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  say "installing Debian's slurm-wlm and munge"
  t0=$SECONDS
  log=$(mktemp)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
           --no-install-recommends -o Dpkg::Use-Pty=0 slurm-wlm munge; } >"$log" 2>&1; then
    tail -n 20 "$log"
    rm -f "$log"
    fail "apt-get could not install slurm-wlm and munge"
  fi
  rm -f "$log"
  say "installed in $((SECONDS - t0)) s"
fi
say "$(slurmctld -V), munge $(munged -V 2>&1 | awk '{print $1}' | sed 's/^munge-//')"

# --- A temporary folder for everything this run makes ------------------------
# munged insists that every folder above its socket can be entered by all,
# and that the key's folder is not writable by others.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecs-sim-slurm.XXXXXX")
chmod 755 "$tmp"
mkdir -p "$tmp/etc" "$tmp/state" "$tmp/spool" "$tmp/log" "$tmp/work"
mkdir -m 700 "$tmp/munge"
mkdir -m 755 "$tmp/munge-run"
export SLURM_CONF=$tmp/etc/slurm.conf
pids=()    # daemons started here
waiters=() # sbatch --wait running in the background
status=1

cleanup() {
  set +e
  trap - EXIT INT TERM HUP
  if [ -s "$SLURM_CONF" ] && [ "${#pids[@]}" -gt 0 ]; then
    # Jobs still queued or running (after an interrupt or a time-out).
    mapfile -t jobs < <(squeue -h -o %i 2>/dev/null | sort -u)
    if [ "${#jobs[@]}" -gt 0 ]; then
      scancel --quiet "${jobs[@]}" 2>/dev/null
      for _ in $(seq 20); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.5; done
    fi
  fi
  for p in "${waiters[@]}"; do kill -TERM "$p" 2>/dev/null; done
  if [ "$status" != 0 ]; then
    # What the daemons and jobs said (less munged's Info lines and slurm's
    # notes that it has no PMIx library, which no job here needs).
    for f in "$tmp"/log/*.out; do
      [ -s "$f" ] || continue
      echo "--- last lines of ${f#"$tmp"/}"
      grep -v -e 'pmix' -e 'MPI: Cannot create context' -e 'Info:' "$f" | tail -n 12
    done
  fi
  # Stop the daemons in reverse order of starting, TERM then KILL.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null; done
  for _ in $(seq 50); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  if [ "${KEEP:-0}" = 1 ]; then
    echo "kept $tmp"
  else
    rm -rf "$tmp"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM HUP

# --- munge: its own key and socket -------------------------------------------
if command -v mungekey >/dev/null; then
  mungekey --create --keyfile="$tmp/munge/munge.key"
else
  dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 400 "$tmp/munge/munge.key"
socket=$tmp/munge-run/munge.socket
munged --foreground --socket="$socket" --key-file="$tmp/munge/munge.key" \
  --log-file="$tmp/log/munged.log" --pid-file="$tmp/munge/munged.pid" \
  --seed-file="$tmp/munge/munged.seed" >"$tmp/log/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do munge -n -S "$socket" 2>/dev/null | unmunge -S "$socket" >/dev/null 2>&1 && break; sleep 0.2; done
munge -n -S "$socket" | unmunge -S "$socket" >/dev/null || fail "munged did not start"
say "munged is up (socket $socket)"

# --- slurm.conf for one node -------------------------------------------------
# Two free TCP ports next to each other, from a spot that depends on the
# process id, so that a second run (or a Slurm already on 6817/6818) is no
# clash.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=$((20000 + ($$ % 2000) * 2))
for _ in $(seq 100); do
  port_free "$port" && port_free "$((port + 1))" && break
  port=$((port + 2))
done
node=$(hostname -s 2>/dev/null || hostname)
node=${node:-localhost}
cpus=$(nproc)
# RealMemory: 90 % of the memory free now, in MiB (slurmd drains a node that
# claims more than it has).
mem=$(awk '/^MemAvailable:/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
cat >"$SLURM_CONF" <<EOF
# Written by deploy/slurm/one-node-test.sh for one test run.
ClusterName=ecssimtest
# Addresses given, so the hostname needs no resolving.
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
# No cgroups and no systemd: track processes through /proc, bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

# --- slurmctld and slurmd, in the foreground of background jobs ---------------
slurmctld -D -f "$SLURM_CONF" >"$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >"$tmp/log/slurmd.out" 2>&1 &
pids+=($!)
state=
for _ in $(seq 60); do
  state=$(sinfo -h -N -n "$node" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "a Slurm daemon exited at start"; done
  sleep 0.5
done
[ "$state" = idle ] || fail "node $node is '${state:-unknown}', not idle, after 30 s"
say "slurmctld and slurmd are up; node $node ($cpus CPUs, ${mem} MiB) is idle (ports $port, $((port + 1)))"

# --- The sweep as a job array, and the merge as a dependent job --------------
work=$tmp/work
jobid=$(sbatch --parsable --array="0-$((COUNT - 1))" --cpus-per-task=1 \
  --chdir="$tmp" --output="$tmp/log/shard-%A_%a.out" \
  --export="ALL,ECS_SIM=$ECS_SIM,SCENARIO=$SCENARIO,WORK=$work,COUNT=$COUNT" \
  "$here/sweep.sbatch")
jobid=${jobid%%;*}
say "submitted sweep.sbatch as job array $jobid (tasks 0-$((COUNT - 1)))"
# sbatch --wait runs in the background so that a signal reaches the trap at
# once rather than when sbatch returns.
timeout 900 sbatch --parsable --wait --dependency="afterok:$jobid" \
  --kill-on-invalid-dep=yes --chdir="$tmp" --output="$tmp/log/merge-%j.out" \
  --export="ALL,ECS_SIM=$ECS_SIM,WORK=$work,COUNT=$COUNT,OUT=$tmp/merged" \
  "$here/merge.sbatch" >"$tmp/merge-job" 2>"$tmp/log/merge-sbatch.out" &
waiters+=($!)
merge_rc=0
wait "${waiters[0]}" || merge_rc=$?
waiters=()
merge_job=$(head -n 1 "$tmp/merge-job")
merge_job=${merge_job%%;*}
# Each task's end state, while slurmctld still remembers it (MinJobAge). A
# merge job cancelled for a failed dependency still makes sbatch --wait exit
# 0, so the states are what counts.
job_states() {
  scontrol -o show job "$1" 2>/dev/null |
    sed -n 's/.*ArrayTaskId=\([^ ]*\).*JobState=\([^ ]*\).*ExitCode=\([^ ]*\).*/\1 \2 \3/p; t; s/.*JobState=\([^ ]*\).*ExitCode=\([^ ]*\).*/- \1 \2/p' |
    sort -n
}
[ -n "$merge_job" ] || fail "sbatch did not take the merge job: $(cat "$tmp/log/merge-sbatch.out")"
failed=0 seen=0
while read -r task st code; do
  say "  shard $task: $st, exit $code"
  seen=$((seen + 1))
  [ "$st" = COMPLETED ] || failed=$((failed + 1))
done < <(job_states "$jobid")
[ "$seen" = "$COUNT" ] || fail "slurmctld lists $seen tasks of job $jobid, not $COUNT"
[ "$failed" = 0 ] || fail "$failed of $COUNT array tasks did not complete (their logs are below)"
read -r _ merge_state merge_code < <(job_states "$merge_job") || true
if [ "${merge_state:-}" != COMPLETED ] || [ "$merge_rc" != 0 ]; then
  fail "the merge job ${merge_job:-?} is ${merge_state:-unknown} (exit ${merge_code:-?}; sbatch --wait exit $merge_rc)"
fi
for ((i = 0; i < COUNT; i++)); do
  [ -f "$work/shard-$i/shard.json" ] || fail "shard $i wrote no shard.json"
done
say "merge job $merge_job (afterok:$jobid) wrote $(find "$tmp/merged" -type f | wc -l) files"

# --- The same scenario on one machine, and the comparison --------------------
t0=$SECONDS
"$ECS_SIM" run "$SCENARIO" --out "$tmp/single" -q >"$tmp/log/single.out" 2>&1 ||
  fail "the one-machine run failed"
say "one-machine run wrote $(find "$tmp/single" -type f | wc -l) files in $((SECONDS - t0)) s"
if ! diff -r "$tmp/merged" "$tmp/single" >"$tmp/log/diff.txt" 2>&1; then
  head -n 40 "$tmp/log/diff.txt"
  fail "the merged shards differ from the one-machine run (diff -r)"
fi
say "diff -r merged single: identical"

# --- Merge refuses a missing, a duplicated and a foreign shard (exit 2) ------
expect_exit2() {
  local what=$1 rc=0
  shift
  "$ECS_SIM" merge "$@" --out "$tmp/refused" >"$tmp/log/refused.out" 2>&1 || rc=$?
  rm -rf "$tmp/refused"
  if [ "$rc" != 2 ]; then
    cat "$tmp/log/refused.out"
    fail "merge with $what exited $rc, not 2"
  fi
  say "merge with $what: exit 2 ($(grep -m1 -i 'error' "$tmp/log/refused.out" | cut -c1-120))"
}
shards=()
for ((i = 0; i < COUNT; i++)); do shards+=("$work/shard-$i"); done
expect_exit2 "shard $((COUNT - 1)) missing" "${shards[@]:0:COUNT-1}"
expect_exit2 "shard 0 given twice" "${shards[0]}" "${shards[@]}"
# A foreign shard: shard 0 of the same scenario under another seed.
seed=$(sed -n 's/^[[:space:]]*"\{0,1\}seed"\{0,1\}[[:space:]]*[:=][[:space:]]*\([0-9][0-9]*\).*/\1/p' \
  "$work/shard-0/shard.json" | head -n 1)
"$ECS_SIM" run "$SCENARIO" --seed "$((${seed:-987654320} + 1))" --shard "0/$COUNT" \
  --out "$tmp/foreign-0" -q >"$tmp/log/foreign.out" 2>&1 || fail "the foreign shard's run failed"
expect_exit2 "shard 0 of another seed" "$tmp/foreign-0" "${shards[@]:1}"

status=0
echo "PASS: $COUNT Slurm array tasks merged equal a one-machine run of ${SCENARIO#"$repo"/} (diff -r), in $((SECONDS - t_start)) s"
