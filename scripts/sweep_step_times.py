#!/usr/bin/env python3
"""Measures what a sweep costs on this machine (docs/scaling.md, "Expected compute").

For each distinct configuration of a sweep spec (its runs with the settings that do not change the cost
of a step left out: the seed, loss weights such as beta and gamma, the noise level, the data files), runs
`untangle train <flags> --dry-run`, which trains a few steps in a scratch folder and prints the measured
seconds per step, then prints per configuration: runs, steps, s/step, and the hours the sweep's runs of
it take here (runs x steps x s/step; final metrics and periodic evaluations not included), and the total.
Run it with UNTANGLE_THREADS set as the runs will be (1 for `untangle sweep run --workers N > 1`).

  UNTANGLE_THREADS=1 scripts/sweep_step_times.py --untangle build/bin/untangle SPEC.json
"""
import argparse
import itertools
import json
import re
import subprocess
import sys


# Settings that change what a step computes with, not how much it computes.
COST_NEUTRAL = {"seed", "beta", "gamma", "noise", "data-file", "manipulation", "ada-mean-source"}


def expanded_settings(spec):
    """The spec's runs as settings dicts (as apps/common/sweep_spec.h expands them), ids left out."""
    cells = []
    product = spec.get("product", {})
    if product:
        keys = list(product)
        cells += [dict(zip(keys, values)) for values in itertools.product(*(product[k] for k in keys))]
    cells += [{k: v for k, v in run.items() if k != "id"} for run in spec.get("runs", [])]
    cells = cells or [{}]
    runs = []
    for cell in cells:
        for seed in spec.get("seeds", [None]):
            settings = dict(spec.get("base", {}))
            settings.update(cell)
            if seed is not None:
                settings["seed"] = seed
            runs.append((cell, settings))
    return runs


def seconds_per_step(untangle, settings):
    flags = []
    for key, value in settings.items():
        if key in ("data-file", "manipulation"):
            continue  # the renderer stands in: same shapes, same cost per step
        flags += ["--" + key, str(value)]
    result = subprocess.run([untangle, "train", *flags, "--dry-run"], capture_output=True, text=True)
    found = re.search(r"dry run: ([0-9.e+-]+) s per step", result.stderr)
    if result.returncode != 0 or not found:
        raise RuntimeError(f"untangle train {' '.join(flags)} --dry-run failed:\n{result.stderr}")
    return float(found.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spec")
    parser.add_argument("--untangle", default="build/bin/untangle")
    args = parser.parse_args()
    with open(args.spec) as f:
        spec = json.load(f)
    groups = {}
    for cell, settings in expanded_settings(spec):
        key = json.dumps({k: v for k, v in settings.items() if k not in COST_NEUTRAL}, sort_keys=True)
        groups.setdefault(key, []).append((cell, settings))
    total_hours = 0.0
    print("| runs | own settings (cost-neutral ones aside) | steps | batch | s/step here | hours here |")
    print("|---|---|---|---|---|---|")
    for key, runs in groups.items():
        cell, settings = runs[0]
        own = " ".join(f"{k}={v}" for k, v in cell.items() if k not in COST_NEUTRAL)
        per_step = seconds_per_step(args.untangle, settings)
        hours = len(runs) * int(settings.get("steps", 0)) * per_step / 3600
        total_hours += hours
        print(f"| {len(runs)} | {own} | {settings.get('steps', '?')} | {settings.get('batch', '?')} | {per_step:.4g} | {hours:.1f} |")
    print(f"total: {sum(len(r) for r in groups.values())} runs, {total_hours:.0f} hours of training steps here")
    return 0


if __name__ == "__main__":
    sys.exit(main())
