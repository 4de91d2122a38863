#!/usr/bin/env bash
# Submits an experiment to Slurm: a job array whose N tasks run the experiment's shards
# (array.sbatch), and a report job (merge.sbatch) that runs after the array has succeeded
# (--dependency=afterok, cancelled if a task fails).
#
#   experiments/slurm/submit.sh [options] FILE [-- SBATCH_OPTION...]
#     --tasks N      array tasks, i.e. shards (default 4)
#     --throttle M   at most M tasks at once (sbatch --array=0-(N-1)%M)
#     --cpus C       CPUs per task: cells run in C worker processes (default 1)
#     --profile P    the experiment's profile (quick, paper, ...)
#     --out DIR      output folder (default out/experiments/<file name>[-<profile>])
#     --logs DIR     Slurm's output files (default out/slurm)
#     --wait         wait for the report job; exit 0 only if it completed
#   Options after -- go to both sbatch calls (--partition=..., --time=..., --account=...).
#
# It first checks the experiment (`deno task experiment FILE --dry-run`, exit 2 on a bad file)
# and caches the dependencies, on this (login) node, where the network is.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/experiments/slurm"

tasks=4 throttle="" cpus=1 profile="" out="" logs="" wait=0 file=""
usage() {
  sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --tasks) tasks=${2:?}; shift 2 ;;
    --throttle) throttle=${2:?}; shift 2 ;;
    --cpus) cpus=${2:?}; shift 2 ;;
    --profile) profile=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --logs) logs=${2:?}; shift 2 ;;
    --wait) wait=1; shift ;;
    --) shift; break ;;
    -h | --help) usage ;;
    -*) echo "submit.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$file" ] || usage; file=$1; shift ;;
  esac
done
[ -n "$file" ] || usage
for n in "$tasks" "$cpus" ${throttle:+"$throttle"}; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: expected a whole number >= 1, got \"$n\"" >&2; exit 2; }
done
[ -f "$file" ] || { echo "$file: Cannot submit the experiment as the file does not exist" >&2; exit 2; }
command -v sbatch >/dev/null || { echo "submit.sh: sbatch is not on PATH (is this a Slurm login node?)" >&2; exit 2; }

file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
stem=$(basename "$file"); stem=${stem%.*}
out=${out:-$root/out/experiments/$stem${profile:+-$profile}}
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
logs=${logs:-$root/out/slurm}
case "$logs" in /*) ;; *) logs=$PWD/$logs ;; esac
mkdir -p "$logs"

cd "$root"
# (Deno warns about npm build scripts it ignores: its output is shown only if caching fails.)
if ! cached=$(deno cache cli.ts app/cli/report.ts 2>&1); then
  echo "$cached" >&2
  exit 1
fi
deno task -q experiment "$file" --out "$out" ${profile:+--profile "$profile"} --dry-run >/dev/null

env="ALL,VECSCENE_EXPERIMENT=$file,VECSCENE_OUT=$out,VECSCENE_PROFILE=$profile"
cells=$(sbatch --parsable --array="0-$((tasks - 1))${throttle:+%$throttle}" --cpus-per-task="$cpus" \
  --chdir="$root" --output="$logs/%x-%A_%a.out" --export="$env" "$@" "$here/array.sbatch")
cells=${cells%%;*}
report=$(sbatch --parsable --dependency="afterok:$cells" --kill-on-invalid-dep=yes \
  --chdir="$root" --output="$logs/%x-%j.out" --export="$env" "$@" "$here/merge.sbatch")
report=${report%%;*}
echo "cells: job $cells ($tasks task(s)); report: job $report (after $cells succeeds)"
echo "output: $out; Slurm logs: $logs"

[ "$wait" -eq 1 ] || exit 0
while squeue -h -j "$report" 2>/dev/null | grep -q .; do sleep 2; done
state=$(scontrol show job "$report" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
echo "report job $report: ${state:-gone from the controller (see $logs)}"
[ "$state" = COMPLETED ] || exit 1
