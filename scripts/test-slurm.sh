#!/usr/bin/env bash
# Tests scripts/slurm/ on a real Slurm: starts a private one-node cluster on this machine
# (munged, slurmctld, slurmd; all their files in a temp dir), submits a 4-shard DSE as an
# array job of scripts/slurm/dse-array.sbatch and the merge as scripts/slurm/dse-merge.sbatch
# after it, runs the same spec locally with --jobs 2, and checks that the merged output
# files are byte-identical to the local run's. Prints PASS or FAIL; exits non-zero on any
# failure. Stops exactly the daemons (and any job processes) it started, and removes its
# temp dir, also on failure or Ctrl-C. Every wait is bounded.
#   scripts/test-slurm.sh [ITERA_BINARY]     (default: build/release/sim/itera)
# Needs root (or passwordless sudo) to install slurm-wlm and munge if missing
# (scripts/install-deps.sh --slurm); works without systemd (daemons run in the foreground,
# backgrounded here). Never touches /etc/munge or /etc/slurm, nor other daemons.
set -euo pipefail
cd "$(dirname "$0")/.."

itera="${1:-build/release/sim/itera}"
[ $# -le 1 ] || { echo "usage: scripts/test-slurm.sh [ITERA_BINARY]" >&2; exit 2; }
{ [ -x "$itera" ] && [ -f "$itera" ]; } ||
  { echo "test-slurm: FAIL: '$itera' is not an executable (build it: scripts/build.sh release)" >&2; exit 1; }
itera="$(cd "$(dirname "$itera")" && pwd)/$(basename "$itera")"

scripts/install-deps.sh --slurm
for tool in munged mungekey munge unmunge slurmctld slurmd sbatch squeue scontrol scancel; do
  command -v "$tool" >/dev/null 2>&1 ||
    { echo "test-slurm: FAIL: '$tool' not found after scripts/install-deps.sh --slurm" >&2; exit 1; }
done

start=$SECONDS
tmp=""    # this run's temp dir
conf=""   # this run's slurm.conf ($tmp/slurm.conf)
declare -A daemon_pid=()   # name -> PID of a daemon this script started
daemon_order=()
result=FAIL

log() { echo "test-slurm: $*"; }
fail() {
  echo "test-slurm: FAIL: $*" >&2
  exit 1
}
# The daemons' logs and the jobs' outputs (after the daemons stopped: all flushed).
show_logs() {
  local f
  for f in "$tmp"/log/*.log "$tmp"/jobs/*.out; do
    [ -f "$f" ] || continue
    # A daemon's standard error repeats its log file; it matters when that is empty.
    if [[ "$f" == *.stderr.log ]] && [ -s "${f%.stderr.log}.log" ]; then continue; fi
    echo "----- ${f#"$tmp"/} (last 40 lines)"
    tail -n 40 "$f"
  done
}

# Processes that carry this run's SLURM_CONF in their environment, other than the daemons
# and their children: the job steps (slurmstepd, the batch scripts, itera and its
# workers) inherit it from slurmd or sbatch. Call only with SLURM_CONF no longer exported
# (export -n), so the scan's own commands do not match.
own_job_pids() {
  local d pid ppid daemons=" ${daemon_pid[*]} "
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    [ "$pid" != $$ ] || continue
    case "$daemons" in *" $pid "*) continue ;; esac
    grep -qzxF "SLURM_CONF=$conf" "$d/environ" 2>/dev/null || continue
    # A daemon's own helper (slurmctld's slurmscriptd) ends with it.
    ppid="$(awk '{ sub(/.*\) /, ""); print $2 }' "$d/stat" 2>/dev/null)" || continue
    case "$daemons" in *" $ppid "*) continue ;; esac
    echo "$pid"
  done
}

stop_pid() {   # stop_pid NAME PID: TERM, up to 10 s, then KILL
  local name="$1" pid="$2" i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  echo "test-slurm: $name (pid $pid) did not stop on SIGTERM in 10 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? i name pid left
  trap - EXIT INT TERM
  set +e
  if [ -z "$conf" ]; then   # failed before anything was started
    [ -z "$tmp" ] || rm -rf "$tmp"
    echo "test-slurm: FAIL" >&2
    exit $((rc ? rc : 1))
  fi
  # Cancel what is still queued or running; give the job steps up to 10 s to end.
  if [ -n "${daemon_pid[slurmctld]:-}" ] && kill -0 "${daemon_pid[slurmctld]}" 2>/dev/null; then
    timeout 10 scancel --quiet --full --user="$(id -un)" >/dev/null 2>&1
  fi
  export -n SLURM_CONF 2>/dev/null
  for i in $(seq 1 20); do
    [ -n "$(own_job_pids)" ] || break
    sleep 0.5
  done
  # The daemons, in reverse start order (slurmd, slurmctld, munged), by the PIDs recorded.
  for ((i = ${#daemon_order[@]} - 1; i >= 0; i--)); do
    name="${daemon_order[$i]}"
    stop_pid "$name" "${daemon_pid[$name]}"
  done
  left="$(own_job_pids)"
  for pid in $left; do
    echo "test-slurm: killing leftover job process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80))" >&2
    kill -KILL "$pid" 2>/dev/null
  done
  if [ "$result" = PASS ] && [ "$rc" -eq 0 ]; then
    rm -rf "$tmp"
    echo "test-slurm: PASS ($((SECONDS - start)) s after the install)"
  else
    [ "$rc" -ne 0 ] || rc=1
    show_logs >&2
    rm -rf "$tmp"
    echo "test-slurm: FAIL" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "test-slurm: interrupted" >&2; exit 130' INT TERM

# The temp dir must be traversable by all (munged requires it of its socket's directories);
# what is secret (the key, the logs) sits in private subdirectories.
tmp="$(mktemp -d /tmp/itera-slurm.XXXXXX)"
chmod 711 "$tmp"
mkdir -m 700 "$tmp/munge-key" "$tmp/state" "$tmp/spool" "$tmp/log" "$tmp/jobs" "$tmp/dse"
mkdir -m 711 "$tmp/munge-run" "$tmp/run"
conf="$tmp/slurm.conf"
export SLURM_CONF="$conf"
# Slurm client commands must see only this cluster.
unset SLURM_JOB_ID SLURM_CLUSTERS SQUEUE_FORMAT SQUEUE_FORMAT2 SBATCH_EXPORT || true

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.5 s until it succeeds.
wait_for() {
  local limit="$1" what="$2" deadline=$((SECONDS + $1))
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${limit} s waiting for $what"
    sleep 0.5
  done
}

# A daemon still running? (else fail with its log)
check_alive() {
  kill -0 "${daemon_pid[$1]}" 2>/dev/null || fail "$1 exited early"
}

# Two free TCP ports, consecutive, from an unusual range (none listening in /proc/net/tcp*).
port_listening() {
  local hex
  hex="$(printf '%04X' "$1")"
  awk -v p=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
ctld_port=""
for base in $(seq $((26800 + RANDOM % 100 * 2)) 2 26998) $(seq 26800 2 26998); do
  if ! port_listening "$base" && ! port_listening $((base + 1)); then
    ctld_port=$base
    break
  fi
done
[ -n "$ctld_port" ] || fail "no free pair of TCP ports in 26800..26999"
slurmd_port=$((ctld_port + 1))

# ---- munged, with a key of its own (the system's /etc/munge/munge.key is left alone)
munge_socket="$tmp/munge-run/munge.socket"
mungekey --create --keyfile="$tmp/munge-key/munge.key" >/dev/null 2>&1 ||
  dd if=/dev/urandom of="$tmp/munge-key/munge.key" bs=1024 count=1 status=none
chmod 600 "$tmp/munge-key/munge.key"
munged --foreground --socket="$munge_socket" --key-file="$tmp/munge-key/munge.key" \
  --pid-file="$tmp/munge-run/munged.pid" --seed-file="$tmp/munge-key/munged.seed" \
  >"$tmp/log/munged.log" 2>&1 &
daemon_pid[munged]=$!
daemon_order+=(munged)
munge_ok() { munge --socket="$munge_socket" --no-input | unmunge --socket="$munge_socket"; }
wait_for 15 "munged to answer on $munge_socket" munge_ok
log "munged running (pid ${daemon_pid[munged]})"

# ---- slurm.conf: one node, this machine as slurmd detects it
node="$(hostname -s)"
user="$(id -un)"
hw="$(slurmd -C 2>/dev/null | head -n 1)"
[[ "$hw" == NodeName=* ]] || fail "'slurmd -C' did not print the node's hardware: $hw"
hw="${hw#NodeName=* }"             # CPUs=.. Boards=.. SocketsPerBoard=.. CoresPerSocket=.. ThreadsPerCore=.. RealMemory=..
cpus="$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$hw")"
{ [ -n "$cpus" ] && [ "$cpus" -ge 1 ]; } || fail "no CPU count in 'slurmd -C': $hw"
cat >"$SLURM_CONF" <<EOF
# Written by scripts/test-slurm.sh: a private one-node cluster, everything under $tmp.
ClusterName=iteratest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=kill_invalid_depend,sched_interval=2,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
MailProg=/bin/true
PlugStackConfig=$tmp/plugstack.conf
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=itera Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
: >"$tmp/plugstack.conf"

# ---- slurmctld and slurmd in the foreground (-D), backgrounded here
slurmctld -D -i -f "$SLURM_CONF" >>"$tmp/log/slurmctld.stderr.log" 2>&1 &
daemon_pid[slurmctld]=$!
daemon_order+=(slurmctld)
wait_for 30 "slurmctld to answer (port $ctld_port)" scontrol ping
check_alive slurmctld
log "slurmctld running (pid ${daemon_pid[slurmctld]}, port $ctld_port)"

slurmd -D -N "$node" -f "$SLURM_CONF" >>"$tmp/log/slurmd.stderr.log" 2>&1 &
daemon_pid[slurmd]=$!
daemon_order+=(slurmd)
node_idle() {
  check_alive slurmd
  check_alive slurmctld
  [ "$(sinfo --noheader --nodes="$node" --format=%T 2>/dev/null)" = idle ]
}
deadline=$((SECONDS + 60))
until node_idle; do
  [ "$SECONDS" -lt "$deadline" ] ||
    fail "timed out after 60 s waiting for node $node to be idle: $(scontrol show node "$node" 2>&1 | grep -E 'State=|Reason=' | tr -s ' ')"
  sleep 0.5
done
log "slurmd running (pid ${daemon_pid[slurmd]}, port $slurmd_port); node $node idle with $cpus CPU(s)"

# ---- the DSE: a 4-shard array, then the merge after it
spec="$tmp/spec.yaml"
cat >"$spec" <<'EOF'
# Catalog shape with the weight-error proxy: no data files, seconds to run.
shape: stories260k
accuracy: {max: 0.5}
workload: {phase: decode, seq_len: 64}
hardware: {grid: {array.rows: [8, 16]}}
decomposition: {grid: {method: [rtn, itera], form: [compensated], bits: [4, 8], factor_bits: [4], rank: [4, 8]}}
EOF
out="$tmp/dse"
array_id="$(ITERA="$itera" SPEC="$spec" OUT="$out" sbatch --parsable --array=0-3 --cpus-per-task=1 \
  --output="$tmp/jobs/array-%A_%a.out" --chdir="$tmp" scripts/slurm/dse-array.sbatch)" ||
  fail "sbatch of scripts/slurm/dse-array.sbatch was refused"
array_id="${array_id%%;*}"
merge_id="$(ITERA="$itera" OUT="$out" sbatch --parsable --dependency="afterok:$array_id" \
  --output="$tmp/jobs/merge-%j.out" --chdir="$tmp" scripts/slurm/dse-merge.sbatch)" ||
  fail "sbatch of scripts/slurm/dse-merge.sbatch was refused"
merge_id="${merge_id%%;*}"
log "submitted array job $array_id (4 shards) and merge job $merge_id (afterok:$array_id)"

# job_states ID: "ArrayTaskId/JobId JobState ExitCode" per record of the job
job_states() {
  scontrol --oneliner show job "$1" | awk '{
    id = ""; st = ""; ec = ""; task = "-"
    for (i = 1; i <= NF; i++) {
      if ($i ~ /^JobId=/) id = substr($i, 7)
      else if ($i ~ /^ArrayTaskId=/) task = substr($i, 13)
      else if ($i ~ /^JobState=/) st = substr($i, 10)
      else if ($i ~ /^ExitCode=/) ec = substr($i, 10)
    }
    print task "/" id, st, ec
  }'
}
terminal='^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED|SPECIAL_EXIT|REVOKED)$'
deadline=$((SECONDS + 120))
while :; do
  check_alive slurmctld
  check_alive slurmd
  states="$(job_states "$array_id"; job_states "$merge_id")" || fail "scontrol show job failed"
  if awk '$2 ~ /^(FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE)$/ { bad = 1 } END { exit !bad }' <<<"$states"; then
    fail "a job did not complete:
$states"
  fi
  if [ -n "$(squeue --noheader --format=%i 2>/dev/null)" ] ||
     awk -v t="$terminal" '$2 !~ t { busy = 1 } END { exit !busy }' <<<"$states"; then
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after 120 s waiting for the jobs:
$states"
    sleep 1
    continue
  fi
  break
done
log "jobs finished:"
sed 's/^/  /' <<<"$states"
# Every array task 0..3 and the merge: COMPLETED with exit code 0:0.
for t in 0 1 2 3; do
  grep -qE "^$t/[0-9]+ COMPLETED 0:0\$" <<<"$states" || fail "array task $t did not complete with exit code 0:0"
done
grep -qE "^-/$merge_id COMPLETED 0:0\$" <<<"$states" || fail "merge job $merge_id did not complete with exit code 0:0"
for t in 0 1 2 3; do
  grep -q "shard $t/4 done" "$tmp/jobs/array-${array_id}_$t.out" ||
    fail "array task $t's output lacks 'shard $t/4 done'"
done

# ---- the same spec locally, and the comparison
"$itera" dse --spec "$spec" --out "$tmp/local" --jobs 2 --no-progress >"$tmp/log/local.log" 2>&1 ||
  fail "the local run 'itera dse --spec $spec --jobs 2' failed"
files=(points.csv pareto.csv pareto_dsp.csv summary.json report.md)
mismatch=0
for f in "${files[@]}"; do
  [ -s "$tmp/local/$f" ] || fail "the local run wrote no $f"
done
# Every top-level file of either run: the five above and the run record (not cache/).
all="$( { (cd "$tmp/local" && find . -maxdepth 1 -type f -printf '%P\n'); (cd "$out/merged" && find . -maxdepth 1 -type f -printf '%P\n'); } | sort -u)"
for f in $all; do
  if [ ! -f "$out/merged/$f" ]; then
    echo "test-slurm: $f: in the local run only" >&2; mismatch=1
  elif [ ! -f "$tmp/local/$f" ]; then
    echo "test-slurm: $f: in the merged output only" >&2; mismatch=1
  elif cmp -s "$tmp/local/$f" "$out/merged/$f"; then
    log "$f: identical ($(wc -c <"$tmp/local/$f") bytes)"
  else
    echo "test-slurm: $f: DIFFERS between the local run and the Slurm merge:" >&2
    diff "$tmp/local/$f" "$out/merged/$f" | head -n 20 >&2 || true
    mismatch=1
  fi
done
[ "$mismatch" -eq 0 ] || fail "the merged output differs from the local run's"
points="$(($(wc -l <"$out/merged/points.csv") - 1))"
log "merged output of 4 Slurm array tasks = local --jobs 2 run, byte for byte ($points points)"
result=PASS
