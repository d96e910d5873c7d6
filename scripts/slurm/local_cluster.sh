#!/usr/bin/env bash
# A one-node Slurm on localhost, for testing `untangle sweep slurm` against the real scheduler
# (docs/slurm_test.md). No systemd and nothing in /etc: every file (munge key, slurm.conf, state, logs,
# pid files) lives in one private folder, and clients find the cluster through SLURM_CONF.
#
#   scripts/slurm/local_cluster.sh start    install (when root and missing), configure, start, wait for the node
#   scripts/slurm/local_cluster.sh status   the daemons and `sinfo`
#   scripts/slurm/local_cluster.sh stop     stop the daemons, remove the folder
#   scripts/slurm/local_cluster.sh env      print `export SLURM_CONF=...` for a shell to eval
#
# Settings (environment): UNTANGLE_SLURM_DIR (the folder; default /tmp/untangle_slurm),
# UNTANGLE_SLURM_PORT (slurmctld's port, slurmd takes the next; default: the first free pair from 16817).
# Exit status: 0 done, 1 failed (the daemons' logs are printed), 77 cannot run here (the reason is printed).
#
# Facts from Slurm's slurm.conf(5) and munged(8) manual pages (Debian 12: slurm-wlm 22.05, munge 0.5):
# proctrack/linuxproc + task/none + jobacct_gather/none load no cgroup plugin, so a container without
# systemd or a writable cgroup tree can run jobs; cons_tres with CR_Core lets array tasks share the node
# one core each; AuthInfo=socket= points Slurm's munge plugins at our private munged.
set -euo pipefail

cluster_dir=${UNTANGLE_SLURM_DIR:-/tmp/untangle_slurm}
exit_skipped=77

# --help: the comment block at the top of this file.
print_header() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

say() { echo "local_cluster: $*"; }

# Installs slurm-wlm and munge with apt-get when root and missing; otherwise exits 77 with the reason.
ensure_installed() {
  local missing=()
  for program in slurmctld slurmd sbatch munged; do
    command -v "$program" > /dev/null || missing+=("$program")
  done
  ((${#missing[@]} == 0)) && return 0
  if [[ $(id -u) != 0 ]] || ! command -v apt-get > /dev/null; then
    say "cannot run: ${missing[*]} not installed and not root (install with: sudo apt-get install -y slurm-wlm munge)"
    exit $exit_skipped
  fi
  say "installing slurm-wlm and munge (missing: ${missing[*]})"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    slurm-wlm munge; } > "/tmp/untangle_slurm_install.log" 2>&1; then
    tail -20 /tmp/untangle_slurm_install.log
    say "cannot run: apt-get install slurm-wlm munge failed (log above)"
    exit $exit_skipped
  fi
}

# slurmd must switch to the job's user, and slurmctld runs as SlurmUser: both need root here.
ensure_root() {
  if [[ $(id -u) != 0 ]]; then
    say "cannot run: starting slurmd needs root (it runs jobs as their user)"
    exit $exit_skipped
  fi
}

port_in_use() { (echo > "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }

# The first free pair of ports from UNTANGLE_SLURM_PORT (or 16817), so a system Slurm on 6817 is left alone.
choose_ports() {
  local port=${UNTANGLE_SLURM_PORT:-16817}
  while port_in_use "$port" || port_in_use $((port + 1)); do
    [[ -n ${UNTANGLE_SLURM_PORT:-} ]] && { say "ports $port/$((port + 1)) are in use"; exit 1; }
    port=$((port + 2))
  done
  controller_port=$port
}

start_munge() {
  mkdir -p "$cluster_dir/munge"
  chmod 700 "$cluster_dir" "$cluster_dir/munge"
  # A fresh random key: 1024 bytes, as `mungekey` makes by default; munged wants it private to its owner.
  head -c 1024 /dev/urandom > "$cluster_dir/munge/munge.key"
  chmod 400 "$cluster_dir/munge/munge.key"
  munged --force --key-file="$cluster_dir/munge/munge.key" --socket="$cluster_dir/munge/munge.socket" \
    --pid-file="$cluster_dir/munge/munged.pid" --log-file="$cluster_dir/munge/munged.log" \
    --seed-file="$cluster_dir/munge/munged.seed" < /dev/null \
    || { cat "$cluster_dir/munge/munged.log" 2> /dev/null; say "munged did not start"; exit 1; }
}

# slurm.conf for one node described by `slurmd -C` (this machine's CPUs, sockets, cores, memory).
write_slurm_conf() {
  local node_line host=${HOSTNAME:-$(hostname)}
  host=${host%%.*}
  node_line=$(slurmd -C | head -1 | sed "s/^NodeName=[^ ]*/NodeName=$host NodeAddr=127.0.0.1/")
  mkdir -p "$cluster_dir/state" "$cluster_dir/spool" "$cluster_dir/log"
  cat > "$cluster_dir/slurm.conf" << EOF
# Written by scripts/slurm/local_cluster.sh: a one-node test cluster, without cgroups or accounting.
ClusterName=untangle_test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$controller_port
SlurmdPort=$((controller_port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$cluster_dir/munge/munge.socket
StateSaveLocation=$cluster_dir/state
SlurmdSpoolDir=$cluster_dir/spool
SlurmctldPidFile=$cluster_dir/slurmctld.pid
SlurmdPidFile=$cluster_dir/slurmd.pid
SlurmctldLogFile=$cluster_dir/log/slurmctld.log
SlurmdLogFile=$cluster_dir/log/slurmd.log
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
# Short scheduling and kill delays: the test's jobs are seconds long.
SchedulerParameters=sched_interval=2
KillWait=5
MinJobAge=300
$node_line State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

show_logs() {
  for log in "$cluster_dir/log/slurmctld.log" "$cluster_dir/log/slurmd.log" "$cluster_dir/munge/munged.log"; do
    [[ -f $log ]] && { echo "---- $log (last 25 lines)"; tail -25 "$log"; }
  done
  return 0
}

# Waits (up to 60 s) until sinfo shows the node idle.
wait_for_idle_node() {
  local state=""
  for ((second = 0; second < 60; second++)); do
    state=$(SLURM_CONF="$cluster_dir/slurm.conf" sinfo -h -N -o '%t' 2> /dev/null | head -1 || true)
    [[ $state == idle ]] && return 0
    sleep 1
  done
  show_logs
  say "the node did not become idle within 60 s (last sinfo state: '${state:-none}'; logs above)"
  return 1
}

daemon_pid() { # a daemon's pid from its pid file, when that process is alive
  local file=$1 pid
  [[ -f $file ]] || return 1
  pid=$(< "$file")
  [[ -n $pid ]] && kill -0 "$pid" 2> /dev/null && echo "$pid"
}

start() {
  ensure_installed
  ensure_root
  if daemon_pid "$cluster_dir/slurmctld.pid" > /dev/null; then
    say "already running in $cluster_dir (stop it first)"
    exit 1
  fi
  rm -rf "$cluster_dir"
  mkdir -p "$cluster_dir"
  choose_ports
  start_munge
  write_slurm_conf
  export SLURM_CONF="$cluster_dir/slurm.conf"
  # Both daemons fork into the background and write their pid files; -c: no state from an earlier cluster.
  slurmctld -c < /dev/null || { show_logs; say "slurmctld did not start"; exit 1; }
  slurmd < /dev/null || { show_logs; say "slurmd did not start"; exit 1; }
  wait_for_idle_node || exit 1
  say "up: one node ($(sinfo -h -N -o '%c CPUs, %m MB')), controller on port $controller_port"
  say "use it with: export SLURM_CONF=$SLURM_CONF"
}

# Sends TERM, waits up to 10 s, then KILL.
stop_daemon() {
  local name=$1 pid
  pid=$(daemon_pid "$2") || return 0
  kill "$pid" 2> /dev/null || true
  for ((tenth = 0; tenth < 100; tenth++)); do
    kill -0 "$pid" 2> /dev/null || return 0
    sleep 0.1
  done
  say "$name ($pid) ignored TERM; killing it"
  kill -9 "$pid" 2> /dev/null || true
}

# Jobs outlive slurmd (each runs under its own slurmstepd), so they are cancelled while the controller is
# still there to do it, and given 15 s to end.
cancel_all_jobs() {
  daemon_pid "$cluster_dir/slurmctld.pid" > /dev/null || return 0
  export SLURM_CONF="$cluster_dir/slurm.conf"
  [[ -z $(squeue -h -o %A 2> /dev/null) ]] && return 0
  scancel --partition=debug 2> /dev/null || true
  for ((second = 0; second < 15; second++)); do
    [[ -z $(squeue -h -o %A 2> /dev/null) ]] && return 0
    sleep 1
  done
  say "jobs still listed 15 s after scancel: $(squeue -h -o %i | tr '\n' ' ')"
}

stop() {
  [[ -d $cluster_dir ]] || { say "nothing to stop ($cluster_dir does not exist)"; return 0; }
  cancel_all_jobs
  stop_daemon slurmd "$cluster_dir/slurmd.pid"
  stop_daemon slurmctld "$cluster_dir/slurmctld.pid"
  stop_daemon munged "$cluster_dir/munge/munged.pid"
  rm -rf "$cluster_dir"
  say "stopped"
}

status() {
  local name file pid
  for name in slurmctld slurmd munged; do
    file="$cluster_dir/$name.pid"
    [[ $name == munged ]] && file="$cluster_dir/munge/munged.pid"
    if pid=$(daemon_pid "$file"); then say "$name running (pid $pid)"; else say "$name not running"; fi
  done
  if [[ -f $cluster_dir/slurm.conf ]]; then SLURM_CONF="$cluster_dir/slurm.conf" sinfo -N 2>&1 || true; fi
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) echo "export SLURM_CONF=$cluster_dir/slurm.conf" ;;
  -h | --help)
    print_header
    ;;
  *)
    echo "usage: $0 start|stop|status|env (--help for more)" >&2
    exit 2
    ;;
esac
