#!/usr/bin/env bash
# SGEMM side by side: untangle's sgemm (bench_cpu) against OpenBLAS through NumPy (Debian's
# python3-numpy with libopenblas0-pthread as the system BLAS), alternated over several rounds in one
# run. Prints each round and the median ratio untangle/OpenBLAS of GFLOP/s at 1024 (higher is better).
# Usage: scripts/compare_sgemm_openblas.sh [ROUNDS]     (run from the project root after `make`)
# Setup once (root): apt-get install -y python3-numpy libopenblas0-pthread python3-threadpoolctl
#
# OpenBLAS runs at its own kernels for this CPU: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from its
# environment (a machine may pin them, e.g. to Haswell on an AVX-512 CPU, which about halves its SGEMM), and
# the kernel it picked is printed (threadpoolctl) so that a result names its baseline.
set -euo pipefail
rounds=${1:-5}
threads=$(nproc)
ratios=()
for ((r = 0; r < rounds; r++)); do
  u=$(build/bin/bench_cpu --sgemm-only | awk '/M=N=K=1024/{print $3}')
  o=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=$threads /usr/bin/python3 - <<'PY'
import time, numpy as np
n = 1024
a = np.random.rand(n, n).astype(np.float32); b = np.random.rand(n, n).astype(np.float32)
for _ in range(2): a @ b
t = []
for _ in range(10):
    s = time.perf_counter(); a @ b; t.append(time.perf_counter() - s)
t.sort(); print(f"{2 * n**3 / ((t[4] + t[5]) / 2) / 1e9:.1f}")
PY
)
  if ((r == 0)); then
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 -c '
import numpy, threadpoolctl
for pool in threadpoolctl.threadpool_info():
    if pool.get("internal_api") == "openblas":
        print("OpenBLAS", pool.get("version"), "kernel", pool.get("architecture"), "threads", pool.get("num_threads"))'
  fi
  ratios+=("$(awk -v a="$u" -v b="$o" 'BEGIN{printf "%.3f", a/b}')")
  echo "round $r: untangle ${u} GFLOP/s, OpenBLAS ${o} GFLOP/s, ratio ${ratios[-1]}"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "median_ratio %.3f\n", m}'
