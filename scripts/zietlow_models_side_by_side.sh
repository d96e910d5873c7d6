#!/usr/bin/env bash
# Zietlow et al.'s models side by side: beta-VAE, Slow-VAE, PCL and the weakly supervised GAN, each trained
# from `untangle train` for the same number of steps on procedural dSprites and Shapes3D with the defaults
# `untangle train` gives it (Table 2's hyperparameters, latents = number of factors, the weak GAN under
# its own codebase's preset), then scored by `untangle eval`. Prints one row per run: the first and last
# logged loss (train_log.csv's loss_mean: the mean over the first and the last 50-step interval), MIG and
# DCI disentanglement (fast sample sizes), and the training time.
# A few hundred steps show that each model trains and is evaluated the same way; they say nothing about
# the disentanglement a full run reaches (docs/reproductions/zietlow.md has the quick profile for that).
# Usage: scripts/zietlow_models_side_by_side.sh [STEPS] [OUT]   (from the project root after `make`;
#        defaults 300 steps, out/zietlow_side_by_side; finished runs are reused)
set -euo pipefail
steps=${1:-300}
out=${2:-out/zietlow_side_by_side}
mkdir -p "$out"
printf '%-10s %-9s %6s %12s %12s %8s %8s %9s\n' dataset model steps first_mean last_mean MIG DCI train_s
for dataset in dsprites shapes3d; do
  for model in beta_vae slow_vae pcl weak_gan; do
    run="$out/${dataset}_${model}_${steps}"
    if [[ ! -f "$run/metrics.json" ]]; then
      rm -rf "$run"
      build/bin/untangle train --model "$model" --dataset "$dataset" --steps "$steps" --seed 0 --log-every 50 \
        --final-metrics "" --out "$run" > "$run.log" 2>&1
    fi
    [[ -f "$run/eval_fast.json" ]] ||
      build/bin/untangle eval --run "$run" --metrics mig,dci --sizes fast --out "$run/eval_fast.json" > /dev/null 2>> "$run.log"
    first=$(awk -F, 'NR==2{print $2}' "$run/train_log.csv")
    last=$(awk -F, 'END{print $2}' "$run/train_log.csv")
    seconds=$(awk -F, 'END{print $NF}' "$run/train_log.csv")
    mig=$(grep -o '"mig": [^,]*' "$run/eval_fast.json" | awk '{printf "%.3f", $2}')
    dci=$(grep -o '"dci.disentanglement": [^,]*' "$run/eval_fast.json" | awk '{printf "%.3f", $2}')
    printf '%-10s %-9s %6s %12s %12s %8s %8s %9.0f\n' "$dataset" "$model" "$steps" "$first" "$last" "$mig" "$dci" "$seconds"
  done
done
