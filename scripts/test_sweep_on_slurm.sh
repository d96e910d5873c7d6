#!/usr/bin/env bash
# End-to-end test of `untangle sweep` on a real Slurm (docs/slurm_test.md): starts a one-node cluster on
# localhost (scripts/slurm/local_cluster.sh), then
#   1. a sweep of 4 short runs written as a job array (`untangle sweep slurm`), submitted with sbatch:
#      every array task completes, every run has its metrics.json, and written again the script would
#      hold nothing (none is written);
#   2. a sweep of 3 runs, one of them long: that run's array task is cancelled with scancel while it
#      trains, `untangle sweep status` must call it interrupted, the job script is written again (it must
#      hold that one run only) and submitted twice (the run's lock must let one task train it); at the end
#      every run has finished, the runs finished before the resubmit are byte-for-byte untouched
#      (metrics, checkpoint, log, mtimes), the cancelled run resumed from its checkpoint (its log's first
#      rows, wall-clock column included, are kept) and no step or directory appears twice.
# Builds nothing: give the untangle binary. Stops the cluster on exit, whatever happens.
#
#   scripts/test_sweep_on_slurm.sh --untangle build/bin/untangle [--keep]
#
# --keep: leave the work folder (specs, results, job scripts, Slurm outputs) in /tmp; it is always kept
# when the test fails. Exit status: 0 passed, 1 failed, 77 skipped (Slurm cannot run here; the reason is
# printed).
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
cluster="$script_dir/slurm/local_cluster.sh"
untangle="" keep=0 work="" passed=0
started_at=$(date +%s)

# --help: the comment block at the top of this file.
print_header() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

say() { echo "test_sweep_on_slurm: $*" >&2; }  # stderr: some callers capture stdout

fail() {
  say "FAILED: $*"
  local output
  # The array tasks' outputs, wherever the job script sends them.
  find "$work" -name '*.out' -type f 2> /dev/null | sort | while read -r output; do
    { echo "---- $output"; tail -15 "$output"; } >&2
  done
  exit 1
}

parse_arguments() {
  while (($#)); do
    case $1 in
      --untangle) untangle=${2:?--untangle needs a path}; shift 2 ;;
      --keep) keep=1; shift ;;
      -h | --help) print_header; exit 0 ;;
      *) echo "unknown option '$1' (--help for usage)" >&2; exit 1 ;;
    esac
  done
  [[ -n $untangle ]] || { echo "--untangle PATH is required (--help for usage)" >&2; exit 1; }
  [[ -x $untangle ]] || { echo "--untangle $untangle: not an executable file" >&2; exit 1; }
  untangle=$(cd "$(dirname "$untangle")" && pwd)/$(basename "$untangle")
  "$untangle" sweep --help > /dev/null 2>&1 || { echo "$untangle has no 'sweep' command" >&2; exit 1; }
}

cleanup() {
  local status=$?
  [[ -n $work ]] || return 0
  "$cluster" stop > /dev/null || say "could not stop the cluster in $work/cluster"
  if ((passed && !keep)); then
    rm -rf "$work"
  elif [[ -d $work ]]; then
    say "work folder kept: $work"
  fi
  exit $status
}

# write_spec FILE RESULTS PRODUCT SEEDS: a sweep spec of tiny beta_vae runs on xysquares (linear nets, batch 8,
# one thread); PRODUCT and SEEDS are JSON.
write_spec() {
  cat > "$1" << EOF
{
  "name": "$(basename "$1" .json)",
  "results": "$2",
  "base": {"model": "beta_vae", "dataset": "xysquares", "architecture": "linear", "latents": 4, "batch": 8,
           "steps": 40, "log-every": 10, "checkpoint-every": 10, "final-metrics": "mig", "device": "cpu"},
  "product": $3,
  "seeds": $4
}
EOF
}

# submit SPEC NAME: writes NAME.sbatch for the spec's unfinished runs and submits it; prints the job id.
submit() {
  local spec=$1 name=$2
  "$untangle" sweep slurm "$spec" --out "$work/jobs/$name.sbatch" --cpus-per-task 1 --time 10:00 \
    > "$work/jobs/$name.written" 2>&1 || { cat "$work/jobs/$name.written" >&2; fail "sweep slurm $spec"; }
  sed 's/^/    /' "$work/jobs/$name.written" >&2
  (cd "$work/jobs" && sbatch --parsable "$name.sbatch") || fail "sbatch $name.sbatch was refused"
}

# wait_for_job JOB SECONDS: until no task of the array is pending or running.
wait_for_job() {
  local job=$1 limit=$2
  for ((second = 0; second < limit; second++)); do
    [[ -z $(squeue -h -j "$job" -o %i 2> /dev/null) ]] && return 0
    sleep 1
  done
  squeue -j "$job"
  fail "job $job still running after $limit s"
}

# task_states JOB: one "ARRAY_TASK_ID STATE EXIT_STATUS" line per array task (finished jobs stay listed
# for MinJobAge = 300 s in the cluster's slurm.conf).
task_states() {
  scontrol -o show job "$1" \
    | sed -n 's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*ExitCode=\([0-9]*\):.*/\1 \2 \3/p' | sort -n
}

# run_directories SPEC: "ID DIRECTORY STATUS" per run, the directory made absolute.
run_directories() {
  local spec=$1 results=$2 id directory status
  "$untangle" sweep list "$spec" | while read -r id directory status; do
    [[ $directory == /* ]] || directory="$results/$directory"
    echo "$id $directory $status"
  done
}

# expect_all_finished SPEC RESULTS COUNT: COUNT runs listed, each finished with a parsable metrics.json,
# and no other run directory (one with a config.json) in RESULTS.
expect_all_finished() {
  local spec=$1 results=$2 count=$3 id directory status listed config
  listed=$(run_directories "$spec" "$results")
  [[ $(wc -l <<< "$listed") == "$count" ]] || fail "sweep list $spec: expected $count runs, got: $listed"
  while read -r id directory status; do
    [[ $status == finished ]] || fail "run $id is '$status', not finished"
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$directory/metrics.json" \
      || fail "run $id: $directory/metrics.json does not parse"
  done <<< "$listed"
  for config in "$results"/*/config.json; do
    grep -q -F " $(dirname "$config") " <<< "$listed" || fail "$(dirname "$config") is a run the sweep does not list"
  done
}

# finished_runs RESULTS: the run directories that hold a metrics.json.
finished_runs() {
  local run
  for run in "$1"/*/; do [[ -f $run/metrics.json ]] && echo "${run%/}"; done
  return 0
}

# fingerprint RUN_DIR...: hash and modification time (ns) of each run's files.
fingerprint() {
  local run file
  for run in "$@"; do
    for file in metrics.json checkpoint.utg train_log.csv config.json; do
      echo "$(sha256sum < "$run/$file" | cut -c1-16) $(stat -c %.9Y "$run/$file") $run/$file"
    done
  done
}

# no_step_twice RUN_DIR: train_log.csv's steps strictly increase (a resume cut the log at its checkpoint).
no_step_twice() {
  awk -F, 'NR > 1 && $1 + 0 <= last { bad = 1 } NR > 1 { last = $1 + 0 } END { exit bad }' "$1/train_log.csv" \
    || fail "$1/train_log.csv repeats or reorders steps"
}

main() {
  parse_arguments "$@"
  work=$(mktemp -d /tmp/untangle_test_slurm.XXXXXX)
  mkdir -p "$work/jobs"
  trap cleanup EXIT
  export UNTANGLE_SLURM_DIR="$work/cluster" SLURM_CONF="$work/cluster/slurm.conf" UNTANGLE_THREADS=1
  local status=0
  "$cluster" start || status=$?
  ((status == 77)) && { say "skipped: the local Slurm cannot run here (reason above)"; passed=1; exit 77; }
  ((status == 0)) || fail "the local Slurm did not start"
  complete_a_sweep
  cancel_and_resubmit
  passed=1
  say "passed in $(($(date +%s) - started_at)) s"
}

# Part 1: four short runs, one array, everything completes.
complete_a_sweep() {
  local spec="$work/sweep_complete.json" job
  write_spec "$spec" results_complete '{"beta": [1, 4]}' '[0, 1]'
  say "part 1: a sweep of 4 runs as one job array"
  job=$(submit "$spec" complete)
  wait_for_job "$job" 150
  [[ $(task_states "$job" | awk '$2 == "COMPLETED"' | wc -l) == 4 ]] \
    || fail "job $job: expected 4 completed array tasks, got: $(task_states "$job" | tr '\n' ';')"
  expect_all_finished "$spec" "$work/results_complete" 4
  # Written again, the array would be empty: `untangle sweep slurm` writes no script then.
  "$untangle" sweep slurm "$spec" --out "$work/jobs/nothing_left.sbatch" > /dev/null \
    || fail "sweep slurm on a finished sweep exited non-zero"
  [[ ! -e $work/jobs/nothing_left.sbatch ]] || fail "sweep slurm wrote a job script for a finished sweep"
  say "part 1 passed: 4 array tasks completed, 4 runs finished, nothing left to submit"
}

# The array task that trains run ID (read from its process' environment): "JOB_TASK", or nothing.
array_task_of_run() {
  local pid
  for pid in $(pgrep -f -- "sweep run-one .*--run $1( |$)" || true); do
    tr '\0' '\n' < "/proc/$pid/environ" 2> /dev/null \
      | awk -F= '$1 == "SLURM_ARRAY_JOB_ID" { j = $2 } $1 == "SLURM_ARRAY_TASK_ID" { t = $2 }
                 END { if (j != "" && t != "") print j "_" t }'
  done | head -1
}

# wait_until_training ID DIRECTORY: until the run has checkpointed at step 100 or later and still trains.
wait_until_training() {
  for ((second = 0; second < 120; second++)); do
    if [[ -f $2/checkpoint.utg && ! -f $2/metrics.json ]] \
      && awk -F, 'NR > 1 && $1 >= 100 { found = 1 } END { exit !found }' "$2/train_log.csv" 2> /dev/null; then
      return 0
    fi
    [[ -f $2/metrics.json ]] && fail "run $1 finished before it could be cancelled (make it longer)"
    sleep 1
  done
  fail "run $1 did not reach step 100 within 120 s"
}

# Part 2: a long run's task is cancelled mid-training; the rewritten array holds it alone and finishes it.
cancel_and_resubmit() {
  local spec="$work/sweep_cancel.json" results="$work/results_cancel" job long_id long_dir task
  write_spec "$spec" results_cancel '{"steps": [40, 60, 1200]}' '[0]'
  say "part 2: a sweep of 3 runs; the 1200-step run's array task is cancelled mid-run"
  job=$(submit "$spec" cancel)
  read -r long_id long_dir _ < <(run_directories "$spec" "$results" | grep -m1 1200) \
    || fail "sweep list $spec names no run with 1200 steps"
  wait_until_training "$long_id" "$long_dir"
  task=$(array_task_of_run "$long_id")
  [[ -n $task ]] || fail "no array task is training run $long_id"
  scancel "$task"
  say "cancelled array task $task (run $long_id) at step $(tail -1 "$long_dir/train_log.csv" | cut -d, -f1)"
  wait_for_job "$job" 150
  after_the_cancel "$spec" "$results" "$job" "$long_id" "$long_dir"
  resubmit_and_compare "$spec" "$results" "$long_id" "$long_dir"
}

after_the_cancel() {
  local spec=$1 results=$2 job=$3 long_id=$4 long_dir=$5 finished
  [[ -z $(pgrep -f -- "sweep run-one .*--run $long_id( |$)" || true) ]] || fail "run $long_id still trains"
  [[ $(task_states "$job" | awk '$2 == "CANCELLED"' | wc -l) == 1 ]] \
    || fail "job $job: expected one cancelled task, got: $(task_states "$job" | tr '\n' ';')"
  [[ ! -f $long_dir/metrics.json && -f $long_dir/checkpoint.utg ]] \
    || fail "run $long_id: expected a checkpoint and no metrics.json after the cancel"
  "$untangle" sweep status "$spec" > "$work/status_after_cancel.txt" || fail "sweep status exited non-zero"
  sed 's/^/    /' "$work/status_after_cancel.txt"
  grep -E "$long_id.*interrupted|interrupted.*$long_id" "$work/status_after_cancel.txt" > /dev/null \
    || fail "sweep status does not show run $long_id as interrupted"
  finished_runs "$results" > "$work/finished_before_resubmit.list"
  [[ $(wc -l < "$work/finished_before_resubmit.list") == 2 ]] || fail "expected 2 finished runs before the resubmit"
  mapfile -t finished < "$work/finished_before_resubmit.list"
  fingerprint "${finished[@]}" > "$work/finished_before_resubmit.txt"
  head -2 "$long_dir/train_log.csv" > "$work/cancelled_log_head.csv"
}

# one_trainer_of_two JOB TWIN RUN_DIR: each job is one task; one trained the run, the other either found
# it locked (exit status 75, documented by `untangle sweep --help`) or, had it started late, finished.
one_trainer_of_two() {
  local states
  states=$( (task_states "$1" && task_states "$2") | awk '{ print $2, $3 }' | sort | tr '\n' ';')
  [[ $states == "COMPLETED 0;COMPLETED 0;" || $states == "COMPLETED 0;FAILED 75;" ]] \
    || fail "jobs $1 and $2 (one task each) should end completed + completed or failed with 75, got: $states"
  # sweep run-one logs each attempt's start and end there; two trainers would both write "finished".
  [[ $(grep -c finished "$3/sweep_events.log" 2> /dev/null) == 1 ]] \
    || fail "$3/sweep_events.log should say 'finished' once: $(cat "$3/sweep_events.log" 2> /dev/null)"
  states=${states%;}
  say "the twin submissions ended: ${states//;/, } (FAILED 75: the run's lock was held)"
}

resubmit_and_compare() {
  local spec=$1 results=$2 long_id=$3 long_dir=$4 job twin finished run
  say "resubmitting: the job script is written again for the unfinished runs, and submitted twice"
  job=$(submit "$spec" resubmit)
  # The same script submitted twice (a user's slip): the run's lock lets one task train it.
  twin=$(cd "$work/jobs" && sbatch --parsable resubmit.sbatch) || fail "sbatch resubmit.sbatch (twice) was refused"
  wait_for_job "$job" 150
  wait_for_job "$twin" 150
  one_trainer_of_two "$job" "$twin" "$long_dir"
  expect_all_finished "$spec" "$results" 3
  mapfile -t finished < "$work/finished_before_resubmit.list"
  fingerprint "${finished[@]}" > "$work/finished_after_resubmit.txt"
  diff "$work/finished_before_resubmit.txt" "$work/finished_after_resubmit.txt" \
    || fail "a run finished before the resubmit was touched by it (hash/mtime lines above)"
  [[ $(head -2 "$long_dir/train_log.csv") == "$(< "$work/cancelled_log_head.csv")" ]] \
    || fail "run $long_id was trained again from step 0 instead of resuming (its first log row changed)"
  for run in "$results"/*/config.json; do no_step_twice "$(dirname "$run")"; done
  grep -q '"step": 1200' "$long_dir/metrics.json" || fail "run $long_id: metrics.json is not at step 1200"
  say "part 2 passed: the cancelled run resumed and finished; the 2 finished runs were left untouched"
}

main "$@"
