#!/usr/bin/env python3
"""The kill test of `untangle sweep run` (docs/scaling.md, "What survives a kill").

Trains a small sweep without interruption (the reference), then trains the same sweep into another folder
while killing the whole process group -- the runner and every `sweep run-one` child -- with SIGKILL at
random moments, starting `untangle sweep run` again after each kill, and once more at the end until it
exits 0. Then it checks that
  - every run finished (`untangle sweep list` says so);
  - each run's metrics.json has the same bytes as the reference's;
  - no run trained twice: train_log.csv equals the reference's apart from the wall-clock `seconds`
    column (a run trained again from scratch, or resumed from the wrong step, would repeat or miss
    rows), and sweep_events.log has at most one "finished" line;
  - no temporary file (*.tmp) is left.
Exit status 0 when all hold, 1 otherwise.

  scripts/sweep_kill_test.py --untangle build/bin/untangle --kills 50     # the long test
  scripts/sweep_kill_test.py --kills 3 --seeds 2                          # the short one (ctest)
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# Checkpoints (every 7 steps) fall inside log intervals (every 3), so resumes cross both.
BASE = {"dataset": "xysquares", "architecture": "linear", "latents": 4, "batch": 8, "steps": 30,
        "log-every": 3, "checkpoint-every": 7, "final-metrics": "mig", "device": "cpu"}


def write_spec(folder, seeds):
    os.makedirs(folder, exist_ok=True)
    spec = {"name": "kill_test", "results": "runs", "base": BASE,
            "product": {"model": ["beta_vae", "ae"]}, "seeds": list(range(seeds))}
    path = os.path.join(folder, "spec.json")
    with open(path, "w") as out:
        json.dump(spec, out, indent=2)
    return path


def start_sweep(untangle, spec, workers):
    """`untangle sweep run` in a process group of its own (its children join it)."""
    return subprocess.Popen([untangle, "sweep", "run", spec, "--workers", str(workers)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)


def finish_sweep(untangle, spec, workers):
    process = start_sweep(untangle, spec, workers)
    _, errors = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"untangle sweep run {spec} failed ({process.returncode}):\n{errors.decode()}")


def without_seconds(path):
    """train_log.csv without its last column (the wall-clock seconds)."""
    with open(path) as log:
        return [line.rstrip("\n").rsplit(",", 1)[0] for line in log]


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def problems(untangle, spec, reference_runs, runs):
    found = []
    listing = subprocess.run([untangle, "sweep", "list", spec], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        run_id, directory, state = line.split(" ")
        if state != "finished":
            found.append(f"{run_id}: {state}, not finished")
            continue
        here, there = os.path.join(runs, directory), os.path.join(reference_runs, directory)
        if read_bytes(os.path.join(here, "metrics.json")) != read_bytes(os.path.join(there, "metrics.json")):
            found.append(f"{run_id}: metrics.json differs from the uninterrupted sweep's")
        if without_seconds(os.path.join(here, "train_log.csv")) != without_seconds(os.path.join(there, "train_log.csv")):
            found.append(f"{run_id}: train_log.csv differs from the uninterrupted sweep's (trained twice?)")
        with open(os.path.join(here, "sweep_events.log")) as events:
            finished = sum(1 for line in events if line.rstrip().endswith(" finished"))
        if finished > 1:
            found.append(f"{run_id}: trained to the end {finished} times")
    for folder, _, files in os.walk(runs):
        found += [f"stray temporary file {os.path.join(folder, name)}" for name in files if name.endswith(".tmp")]
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--untangle", default="build/bin/untangle", help="the untangle program")
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs of the whole sweep")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per model (2 models)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1, help="seeds the kill moments")
    parser.add_argument("--work", help="a directory for the sweeps (default: a fresh temporary one, removed)")
    args = parser.parse_args()
    untangle = os.path.abspath(args.untangle)
    work = args.work or tempfile.mkdtemp(prefix="untangle_sweep_kill_")
    rng = random.Random(args.seed)
    try:
        started = time.monotonic()
        reference = write_spec(os.path.join(work, "reference"), args.seeds)
        finish_sweep(untangle, reference, args.workers)
        reference_seconds = time.monotonic() - started
        print(f"reference sweep: {2 * args.seeds} runs in {reference_seconds:.1f} s")

        spec = write_spec(os.path.join(work, "killed"), args.seeds)
        kills = 0
        while kills < args.kills:
            process = start_sweep(untangle, spec, args.workers)
            # A moment anywhere in a whole sweep's time: early kills hit start-up and first checkpoints,
            # late ones final evaluations and metrics.json writes; sweeps that finish first are restarted.
            time.sleep(rng.uniform(0.0, reference_seconds))
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                kills += 1
            process.communicate()
            if process.returncode not in (0, -signal.SIGKILL):
                raise RuntimeError(f"untangle sweep run stopped with status {process.returncode}")
            if process.returncode == 0:  # it finished before the kill: start over in a fresh folder
                shutil.rmtree(os.path.join(work, "killed", "runs"))
        finish_sweep(untangle, spec, args.workers)
        found = problems(untangle, spec, os.path.join(work, "reference", "runs"), os.path.join(work, "killed", "runs"))
        print(f"{kills} kills, then finished: " + ("all runs match the uninterrupted sweep" if not found else
                                                   f"{len(found)} problems"))
        for problem in found:
            print("  " + problem)
        return 1 if found else 0
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
