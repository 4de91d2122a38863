#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, without systemd: munged, slurmctld and slurmd
# started by hand, for trying the job-array scripts and for the Slurm test.
#
#   experiments/slurm/one-node.sh start    write /etc/slurm/slurm.conf, start the daemons, wait idle
#   experiments/slurm/one-node.sh status   exit 0 when the node answers (prints sinfo)
#   experiments/slurm/one-node.sh check    exit 0 if it can start here, else 3 with the reason
#   experiments/slurm/one-node.sh stop     stop munged, slurmctld and slurmd (by their pid files)
#
# Needs root and the Debian packages slurmctld slurmd slurm-client munge. Exit codes: 0 done,
# 1 the cluster is not up (status) or did not come up (start), 2 a usage error, 3 it cannot
# start here (the reason on stderr: not root, a package missing, a slurm.conf this script did
# not write).
set -uo pipefail

CONF=${SLURM_CONF:-/etc/slurm/slurm.conf}
MARK="# written by vecscene experiments/slurm/one-node.sh"
LOG=/var/log/slurm
PIDS=(/run/slurmd.pid /run/slurmctld.pid)
MUNGE_PID=/run/munge/munged.pid

cannot() {
  echo "one-node.sh: cannot start a Slurm cluster here: $*" >&2
  exit 3
}

check_prerequisites() {
  [ "$(id -u)" -eq 0 ] || cannot "the daemons need root (running as uid $(id -u))"
  local missing=()
  for exe in /usr/sbin/munged /usr/sbin/slurmctld /usr/sbin/slurmd /usr/bin/sbatch /usr/bin/sinfo; do
    [ -x "$exe" ] || missing+=("$exe")
  done
  [ ${#missing[@]} -eq 0 ] \
    || cannot "missing ${missing[*]} (apt-get install slurmctld slurmd slurm-client munge)"
  if [ -f "$CONF" ] && ! grep -qxF "$MARK" "$CONF"; then
    cannot "$CONF exists and was not written by this script (move it away to use this script)"
  fi
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

node_state() { sinfo -h -N -o %T 2>/dev/null | head -n 1; }

start_munge() {
  if alive "$MUNGE_PID" && munge -n | unmunge >/dev/null 2>&1; then return 0; fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  [ -f /etc/munge/munge.key ] || /usr/sbin/mungekey --create >/dev/null 2>&1 \
    || cannot "no /etc/munge/munge.key and mungekey could not create one"
  chown munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge/munge.key
  chmod 0700 /etc/munge
  chmod 0400 /etc/munge/munge.key
  runuser -u munge -- /usr/sbin/munged || cannot "munged did not start (see /var/log/munge)"
  for _ in $(seq 50); do
    munge -n | unmunge >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cannot "munged does not answer (munge -n | unmunge)"
}

write_conf() {
  local host node
  host=$(hostname -s)
  # slurmd -C prints this machine's node line: NodeName=HOST CPUs=... RealMemory=...
  node=$(/usr/sbin/slurmd -C | head -n 1)
  case "$node" in NodeName=*) ;; *) cannot "slurmd -C printed no node line: $node" ;; esac
  mkdir -p "$(dirname "$CONF")"
  cat >"$CONF.tmp" <<CONF
$MARK
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
# A job whose dependency can never be met (a failed array before its merge) is cancelled.
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
$node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  mv "$CONF.tmp" "$CONF"
}

start() {
  check_prerequisites
  if alive /run/slurmctld.pid && alive /run/slurmd.pid; then
    echo "one-node.sh: already running"
    status
    return
  fi
  start_munge
  write_conf
  mkdir -p /var/spool/slurmctld /var/spool/slurmd "$LOG"
  alive /run/slurmctld.pid || /usr/sbin/slurmctld || cannot "slurmctld did not start (see $LOG)"
  alive /run/slurmd.pid || /usr/sbin/slurmd || cannot "slurmd did not start (see $LOG)"
  for _ in $(seq 100); do
    case "$(node_state)" in
      idle* | mixed* | allocated*) status; return 0 ;;
      down* | drain*) scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 ;;
    esac
    sleep 0.2
  done
  echo "one-node.sh: the node is not idle after 20 s: $(node_state) (see $LOG)" >&2
  return 1
}

stop() {
  local stopped=0
  for pid_file in "${PIDS[@]}" "$MUNGE_PID"; do
    if alive "$pid_file"; then
      kill "$(cat "$pid_file")" && stopped=$((stopped + 1))
    fi
  done
  for pid_file in "${PIDS[@]}" "$MUNGE_PID"; do
    for _ in $(seq 50); do
      alive "$pid_file" || break
      sleep 0.1
    done
  done
  echo "one-node.sh: stopped $stopped daemon(s)"
}

status() {
  if alive /run/slurmctld.pid && alive /run/slurmd.pid && sinfo >/dev/null 2>&1; then
    sinfo
    return 0
  fi
  echo "one-node.sh: not running"
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  check) check_prerequisites ;;
  *)
    echo "usage: $0 start|stop|status|check" >&2
    exit 2
    ;;
esac
