#!/usr/bin/env python3
"""The kill test of `untangle train` (docs/reliability.md, "Hard kills and resume").

Trains one small run without interruption (the reference), then, trial after trial, trains the same run
in a fresh directory while killing it with SIGKILL one to three times -- at random moments (a timer) or at
aimed ones (the UNTANGLE_KILL_AT hook, core/kill_point.h: half-way through writing a checkpoint's or
metrics.json's temporary file, right after a checkpoint or a log row, before the first checkpoint, at the
start of the final evaluation) -- and starting it again after each kill as a user would: with --resume
when a checkpoint exists, otherwise from scratch (or, at random, with --resume, which then starts from
scratch too). The finished directory must hold the same files as the reference, with the same bytes,
except the wall-clock values: train_log.csv's `seconds` column and the checkpoint's `seconds` record.
No temporary file may be left. Exit status 0 when every trial matches, 1 otherwise.

  scripts/kill_resume_test.py --untangle build/bin/untangle --trials 200      # the long test
  scripts/kill_resume_test.py --trials 3                                       # the short one (ctest)
"""
import argparse
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

# A small run that still has every file and every straddle: checkpoints (every 7 steps) fall inside log
# intervals (every 3), fast metrics every 20 steps, final metrics and figures.
TRAIN_ARGS = ["--model", "beta_vae", "--dataset", "xysquares", "--architecture", "linear", "--latents", "4",
              "--batch", "8", "--steps", "40", "--log-every", "3", "--checkpoint-every", "7", "--eval-every", "20",
              "--final-metrics", "mig", "--device", "cpu"]
CHECKPOINTS = 6  # steps 7, 14, ..., 35, then 40

AIMED_POINTS = [
    "log_row:1",  # before the first checkpoint
    *[f"log_row:{k}" for k in range(2, 14)],
    *[f"checkpoint:{k}" for k in range(1, CHECKPOINTS + 1)],  # between a checkpoint and the next log row
    *[f"write:checkpoint.utg:{k}" for k in range(1, CHECKPOINTS + 1)],  # half a temporary file on disk
    "write:config.json:1", "write:metrics_log.csv:1", "write:train_log.csv:1",  # (the last two: resume's cut)
    "final_evaluation:1", "write:reconstructions.png:1", "write:traversals.png:1", "write:metrics.json:1",
]


def run_train(untangle, directory, kill_at=None, kill_after=None, resume=False):
    """One `untangle train` into `directory`; returns its exit status (-9 when killed)."""
    command = [untangle, "train", "--out", directory] + (["--resume"] if resume else TRAIN_ARGS)
    environment = dict(os.environ, UNTANGLE_THREADS="1")
    environment.pop("UNTANGLE_KILL_AT", None)
    if kill_at:
        environment["UNTANGLE_KILL_AT"] = kill_at
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, errors = process.communicate(timeout=kill_after)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        _, errors = process.communicate()
    if process.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{errors.decode()}")
    return process.returncode


def checkpoint_records(path):
    """A checkpoint's records (nn/checkpoint.h layout) as name -> bytes, without the wall-clock `seconds`."""
    data = open(path, "rb").read()
    assert data[:8] == b"UNTANGLE", f"{path}: not a checkpoint"
    (count,) = struct.unpack_from("<I", data, 12)
    position, records = 16, {}
    for _ in range(count):
        start = position
        kind = data[position : position + 1]
        (length,) = struct.unpack_from("<I", data, position + 1)
        name = data[position + 5 : position + 5 + length].decode()
        position += 5 + length
        if kind == b"T":
            (rank,) = struct.unpack_from("<I", data, position)
            dims = struct.unpack_from(f"<{rank}i", data, position + 4)
            values = 1
            for d in dims:
                values *= d
            position += 4 + 4 * rank + 4 * values
        else:
            (length,) = struct.unpack_from("<I", data, position)
            position += 4 + length
        position += 4  # the record's CRC32
        if name != "seconds":
            records[name] = data[start:position]
    return records


def comparable(path):
    """What of a run's file must match: everything but the wall-clock values."""
    name = os.path.basename(path)
    if name == "checkpoint.utg":
        return checkpoint_records(path)
    if name == "train_log.csv":
        return [line.rsplit(",", 1)[0] for line in open(path).read().split("\n")]  # drops `seconds`
    return open(path, "rb").read()


def differences(reference, directory):
    wanted, found = sorted(os.listdir(reference)), sorted(os.listdir(directory))
    if wanted != found:
        return [f"files {found} instead of {wanted}"]
    return [name for name in wanted if comparable(os.path.join(reference, name)) != comparable(os.path.join(directory, name))]


def trial(untangle, directory, reference_seconds, rng):
    """Kills a run 1-3 times, lets it finish, returns (interruptions, aimed kills, the files that differ)."""
    interruptions = aimed = 0
    for _ in range(rng.randint(1, 3)):
        has_checkpoint = os.path.exists(os.path.join(directory, "checkpoint.utg"))
        resume = has_checkpoint or (os.path.exists(os.path.join(directory, "config.json")) and rng.random() < 0.5)
        if rng.random() < 0.5:
            status = run_train(untangle, directory, kill_at=rng.choice(AIMED_POINTS), resume=resume)
            aimed += status == -signal.SIGKILL
        else:
            status = run_train(untangle, directory, kill_after=rng.uniform(0, reference_seconds), resume=resume)
        interruptions += status == -signal.SIGKILL
        if status == 0:
            break  # the point was never reached, or the timer outlived the run: it finished
    else:
        resume = os.path.exists(os.path.join(directory, "checkpoint.utg"))
        run_train(untangle, directory, resume=resume)
    return interruptions, aimed, differences(os.path.join(os.path.dirname(directory), "reference"), directory)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--untangle", default="build/bin/untangle", help="the untangle program")
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1, help="seeds the kill moments and points")
    parser.add_argument("--work", help="a directory for the runs (default: a fresh temporary one, removed)")
    options = parser.parse_args()
    rng = random.Random(options.seed)
    work = options.work or tempfile.mkdtemp(prefix="untangle_kill_test_")
    os.makedirs(work, exist_ok=True)
    try:
        reference = os.path.join(work, "reference")
        shutil.rmtree(reference, ignore_errors=True)
        began = time.monotonic()
        run_train(options.untangle, reference)
        reference_seconds = time.monotonic() - began
        interruptions = aimed = 0
        mismatches = []
        for t in range(options.trials):
            directory = os.path.join(work, f"trial{t}")
            shutil.rmtree(directory, ignore_errors=True)
            kills, aimed_kills, differing = trial(options.untangle, directory, reference_seconds, rng)
            interruptions, aimed = interruptions + kills, aimed + aimed_kills
            if differing:
                mismatches.append(f"trial {t} ({directory}): {', '.join(differing)}")
            else:
                shutil.rmtree(directory)
        print(f"kill test: {options.trials} trials, {interruptions} SIGKILLs ({aimed} aimed, "
              f"{interruptions - aimed} timed), {len(mismatches)} mismatches (reference run {reference_seconds:.1f} s)")
        for line in mismatches:
            print("  " + line)
        return 1 if mismatches else 0
    finally:
        if not options.work and not mismatches_kept(work):
            shutil.rmtree(work, ignore_errors=True)


def mismatches_kept(work):
    """Whether a trial directory was kept for inspection (then the work directory is kept too)."""
    return any(name.startswith("trial") for name in os.listdir(work))


if __name__ == "__main__":
    sys.exit(main())
