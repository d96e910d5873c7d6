#!/usr/bin/env bash
# The beta-VAE training step side by side: untangle's (build/bin/bench_cpu --step) against PyTorch's
# (scripts/torch_cpu_step.py, the same network, loss and Adam), alternated over several rounds in one run so
# that both see the same machine load. Prints each round's milliseconds and ratio untangle/PyTorch (lower is
# better) and, last, `median_ratio X`.
# Setup once (root): apt-get install -y python3-torch python3-threadpoolctl   (Debian's /usr/bin/python3)
# and build bench_cpu (cmake --build build --target bench_cpu).
#
# PyTorch, and only PyTorch, runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment:
# a machine may pin them (e.g. to Haswell on an AVX-512 CPU), which about halves OpenBLAS's speed, and the
# baseline must not be handicapped. Round 0 prints the PyTorch build and the OpenBLAS kernel it ran.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/compare_cpu_step.sh [--arch dislib|burgess] [--channels 1|3] [--batch B] [--rounds R]
                                   [--steps N] [--warmup W] [--threads T]
  --arch      network architecture (default dislib; see bench_cpu --help)
  --channels  image channels (default 1)
  --batch     batch size (default 64)
  --rounds    alternating rounds, untangle then PyTorch in each (default 5)
  --steps     timed steps per program and round (default 30)
  --warmup    untimed steps before them (default 5)
  --threads   threads for both (default: nproc)
Prints each round's step times and ratio untangle/PyTorch, then `median_ratio X` (lower is better).
EOF
}

fail_usage() { echo "compare_cpu_step.sh: $1 (see --help)" >&2; exit 2; }

arch=dislib channels=1 batch=64 rounds=5 steps=30 warmup=5 threads=$(nproc)
while (($#)); do
  [[ $1 == -h || $1 == --help ]] && { usage; exit 0; }
  (($# >= 2)) || fail_usage "$1 needs a value"
  case $1 in
    --arch) arch=$2 ;;
    --channels) channels=$2 ;;
    --batch) batch=$2 ;;
    --rounds) rounds=$2 ;;
    --steps) steps=$2 ;;
    --warmup) warmup=$2 ;;
    --threads) threads=$2 ;;
    *) fail_usage "unknown option '$1'" ;;
  esac
  shift 2
done
[[ $arch == dislib || $arch == burgess ]] || fail_usage "--arch must be dislib or burgess, got '$arch'"
[[ $channels == 1 || $channels == 3 ]] || fail_usage "--channels must be 1 or 3, got '$channels'"
[[ $warmup =~ ^[0-9]+$ ]] || fail_usage "--warmup must be a whole number, got '$warmup'"
for option in batch rounds steps threads; do
  [[ ${!option} =~ ^[1-9][0-9]*$ ]] || fail_usage "--$option must be a positive integer, got '${!option}'"
done

root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/build/bin/bench_cpu
[[ -x $bench ]] || {
  echo "compare_cpu_step.sh: $bench not found; build it first: cmake --build build --target bench_cpu" >&2
  exit 1
}
/usr/bin/python3 -c 'import torch' 2>/dev/null || {
  echo "compare_cpu_step.sh: /usr/bin/python3 cannot import torch;" \
    "install it with: apt-get install -y python3-torch python3-threadpoolctl" >&2
  exit 1
}

# The value on a program's `<key> X` line (its last such line), or nothing.
last_value() { awk -v key="$1" '$1 == key {v = $2} END {print v}'; }

ratios=()
for ((r = 0; r < rounds; r++)); do
  untangle_ms=$(UNTANGLE_THREADS=$threads "$bench" --step --arch "$arch" --channels "$channels" \
    --batch "$batch" --steps "$steps" --warmup "$warmup" | last_value untangle_step_ms)
  torch_output=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    /usr/bin/python3 "$root/scripts/torch_cpu_step.py" --arch "$arch" --channels "$channels" \
    --batch "$batch" --threads "$threads" --steps "$steps" --warmup "$warmup")
  ((r == 0)) && grep -v '^torch_step_ms' <<<"$torch_output"
  torch_ms=$(last_value torch_step_ms <<<"$torch_output")
  [[ -n $untangle_ms && -n $torch_ms ]] || {
    echo "compare_cpu_step.sh: round $r lacks a time (untangle '$untangle_ms', PyTorch '$torch_ms')" >&2
    exit 1
  }
  ratios+=("$(awk -v a="$untangle_ms" -v b="$torch_ms" 'BEGIN {printf "%.3f", a / b}')")
  echo "round $r ($arch, C=$channels, batch $batch, $threads threads): untangle $untangle_ms ms," \
    "PyTorch $torch_ms ms, ratio ${ratios[-1]}"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR] = $1}
  END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "median_ratio %.3f\n", m}'
