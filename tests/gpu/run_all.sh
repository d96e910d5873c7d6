#!/usr/bin/env bash
# Everything the GPU machine should run, in one call from the repository root (no internet, as root):
#   bash tests/gpu/run_all.sh
# 1. doctest / zlib headers: used from the system when present, else unpacked from the .deb files in
#    .debs/ (fetched beforehand on a machine with apt: scripts/fetch_gpu_debs.sh; the device tool carries
#    the git-ignored folder with carry [".debs"]);
# 2. a Release build for sm_90 in build-gpu of only test_gpu and bench_kernels (and the libraries they
#    link), with every core;
# 3. test_gpu (every CUDA kernel against its CPU twin, every op's output and gradients on CUDA against the
#    CPU, 50-step training loss curves, graph replays against eager steps: one error line per comparison),
#    bench_kernels (ours vs cuDNN / cuBLAS / direct blur, and the whole beta-VAE step eager and as a CUDA
#    graph), and, when python3 has torch with CUDA, scripts/bench_torch_gpu.py (conv passes) and
#    scripts/bench_torch_step.py (the same training step in PyTorch);
# 4. a report in ${OUT:-out/gpu}/gpu_report.md beside the full logs, with our step next to PyTorch's.
# Environment: OUT (report folder), JOBS (build jobs; default all cores), BUILD_DIR (default build-gpu),
# UNTANGLE_USE_DEBS=1 (use .debs even where the system has the headers: to test this script elsewhere).
# Exit status: non-zero when the build or a test failed. Budget: well under 10 minutes on an H100 machine
# (each run step has its own time limit and all of them stop by 560 s after the start, leaving time for
# the report; the build itself is not limited and has not yet been timed on that machine).
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=${OUT:-out/gpu}
mkdir -p "$out"
out=$(cd "$out" && pwd)
build=${BUILD_DIR:-build-gpu}
jobs=${JOBS:-$(nproc)}
report=$out/gpu_report.md
started=$(date +%s)
say() { echo "run_all: $*"; }

# ---- 1. dependencies ------------------------------------------------------------------------------
# CMake finds nvcc only on PATH (or CUDACXX): a toolkit in /usr/local/cuda is not on PATH everywhere.
command -v nvcc >/dev/null || export PATH=/usr/local/cuda/bin:$PATH
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DUNTANGLE_CUDA=ON -DUNTANGLE_CUDA_ARCHITECTURES=90
            -DCMAKE_CUDA_COMPILER="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)")
deps=$root/$build-deps  # matches .gitignore's /build-*/
unpack() {  # unpack the .deb whose name starts with $1 into $deps
  local deb
  deb=$(ls "$root"/.debs/"$1"_*.deb 2>/dev/null | head -1)
  if [[ -z $deb ]]; then
    say "missing .debs/$1_*.deb: run scripts/fetch_gpu_debs.sh where apt works, and carry .debs"
    return 1
  fi
  mkdir -p "$deps" && dpkg -x "$deb" "$deps"
}
have_header() { [[ ${UNTANGLE_USE_DEBS:-0} != 1 ]] && echo "#include <$1>" | c++ -E -x c++ - >/dev/null 2>&1; }
if ! have_header doctest/doctest.h; then
  unpack doctest-dev || exit 1
  cmake_args+=(-DDOCTEST_INCLUDE_DIR="$deps/usr/include")
  say "doctest from .debs"
fi
if ! have_header zlib.h; then
  unpack zlib1g-dev || exit 1
  # Prefer the system's runtime library (test_gpu and bench_kernels link it through the nn library); the
  # .deb's own libz.so is a link to a version this machine may not have.
  zlib_library=$(ls /usr/lib/x86_64-linux-gnu/libz.so.1 /lib/x86_64-linux-gnu/libz.so.1 2>/dev/null | head -1)
  [[ -n $zlib_library ]] || zlib_library=$deps/usr/lib/x86_64-linux-gnu/libz.a
  cmake_args+=(-DZLIB_INCLUDE_DIR="$deps/usr/include" -DZLIB_LIBRARY="$zlib_library")
  say "zlib headers from .debs (library $zlib_library)"
fi
# cuDNN for bench_kernels' comparison: the toolkit's folders, else the nvidia-cudnn Python wheel.
if [[ ! -f /usr/local/cuda/include/cudnn.h && ! -f /usr/include/cudnn.h ]]; then
  cudnn_root=$(python3 -c 'import nvidia.cudnn, os; print(os.path.dirname(nvidia.cudnn.__file__))' 2>/dev/null ||
               python3 -c 'import nvidia.cudnn; print(list(nvidia.cudnn.__path__)[0])' 2>/dev/null || true)
  if [[ -n $cudnn_root && -d $cudnn_root/include ]]; then
    cmake_args+=(-DCUDNN_ROOT="$cudnn_root")
    export LD_LIBRARY_PATH=$cudnn_root/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    say "cuDNN from $cudnn_root"
  fi
fi
command -v ninja >/dev/null && [[ ! -f $build/CMakeCache.txt ]] && cmake_args+=(-G Ninja)

# ---- 2. build -------------------------------------------------------------------------------------
say "configuring $build"
cmake -S . -B "$build" "${cmake_args[@]}" >"$out/configure.log" 2>&1
configure_status=$?
# Without the CUDA backend test_gpu and bench_kernels do not exist: say why instead of a bare build error.
if ((configure_status == 0)) && ! grep -q "untangle: CUDA backend ON" "$out/configure.log"; then
  say "CMake did not enable the CUDA backend (see $out/configure.log)"
  configure_status=1
fi
# Every step below gets at most its own limit and never more than what is left before `deadline` (the
# call's 10 minutes less a margin for the report), so a slow step shortens the later ones instead of the
# whole call being cut off without a report; a step with under 10 s left is not started (status 125).
deadline=$((started + 560))
seconds_for() {  # seconds_for WANTED: min(WANTED, time left), or 0 when under 10 s are left
  local left=$((deadline - $(date +%s)))
  ((left < 10)) && { echo 0; return; }
  echo $(($1 < left ? $1 : left))
}
bounded() {  # bounded WANTED COMMAND...: COMMAND under timeout (SIGKILL 5 s after SIGTERM), or 125
  local seconds
  seconds=$(seconds_for "$1")
  shift
  ((seconds == 0)) && return 125
  timeout -k 5 "$seconds" "$@"
}

build_status=1
if ((configure_status == 0)); then
  say "building test_gpu bench_kernels with $jobs jobs"
  bounded 330 cmake --build "$build" -j "$jobs" --target test_gpu bench_kernels >"$out/build.log" 2>&1
  build_status=$?
fi
build_seconds=$(($(date +%s) - started))
warnings=$(grep -ci "warning" "$out/build.log" 2>/dev/null || true)

# ---- 3. run ---------------------------------------------------------------------------------------
test_status=skipped bench_status=skipped torch_status=skipped sanitizer_status=skipped
if ((build_status == 0)); then
  # One process per test file: a CUDA error that poisons the context (an illegal address) then costs only
  # that file's results, not every later test's.
  say "test_gpu (one process per test file)"
  : >"$out/test_gpu.log"
  test_status=0
  for source in tests/gpu/test_*.cpp; do
    name=$(basename "$source")
    echo "== $name" >>"$out/test_gpu.log"
    bounded 60 "$build/bin/test_gpu" -sf="*$name" >>"$out/test_gpu.log" 2>&1
    status=$?
    if ((status != 0)); then
      echo "== $name: exit status $status" >>"$out/test_gpu.log"
      test_status=$status
    fi
  done
  # The convolution kernels' tests under compute-sanitizer (out-of-bounds and misaligned accesses, which a
  # comparison with the CPU can miss). Slow, so only that file and only while time is left.
  sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
  if [[ -n $sanitizer && ${UNTANGLE_SANITIZE:-1} == 1 ]]; then
    say "compute-sanitizer memcheck on test_conv2d.cpp"
    bounded 40 "$sanitizer" --tool memcheck --error-exitcode 1 --print-limit 20 "$build/bin/test_gpu" \
      -sf="*test_conv2d.cpp" >"$out/sanitizer.log" 2>&1
    sanitizer_status=$?
  else
    echo "compute-sanitizer not found (or UNTANGLE_SANITIZE=0)" >"$out/sanitizer.log"
  fi
  say "bench_kernels"
  bounded 120 "$build/bin/bench_kernels" >"$out/bench_kernels.log" 2>&1
  bench_status=$?
fi
if timeout -k 5 30 python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  say "bench_torch_step.py"
  step_seconds=$(seconds_for 110)
  bounded 110 python3 scripts/bench_torch_step.py --batches 64,256 --channels 1 --warmup 20 --repeats 50 \
    --block 200 --blocks 3 --budget $((step_seconds > 25 ? step_seconds - 15 : 10)) >"$out/bench_torch_step.log" 2>&1
  step_status=$?
  say "bench_torch_gpu.py"
  bounded 30 python3 scripts/bench_torch_gpu.py --repeats 10 >"$out/bench_torch.log" 2>&1
  torch_status=$?
  ((torch_status == 0)) && torch_status=$step_status
else
  echo "python3 with torch and a CUDA device not found" | tee "$out/bench_torch.log" >"$out/bench_torch_step.log"
fi

# Our step next to PyTorch's (block means: what a training loop sees), from the two logs' machine lines:
# `bench_kernels_step batch=B channels=C eager_us=E graph_us=G` and `step batch=B channels=C mode=M ...
# block_mean_us=T`. A missing log or a "nan" (a failed capture) leaves its cells as "-".
side_by_side() {
  local files=()
  for f in "$out/bench_kernels.log" "$out/bench_torch_step.log"; do [[ -s $f ]] && files+=("$f"); done
  if ((${#files[@]} == 0)); then
    echo "(no timings: neither log exists)"
    return
  fi
  awk -v ours_log="$out/bench_kernels.log" '
    function number(text) { return (text ~ /^[0-9]+(\.[0-9]+)?$/) ? text + 0 : 0 }
    function cell(text) { return number(text) > 0 ? text : "-" }
    function fields(   i, kv) {
      delete v
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      key = sprintf("%06d %03d", v["batch"], v["channels"])
      if (!(key in seen)) { seen[key] = 1; keys[++count] = key }
    }
    FILENAME == ours_log && /^bench_kernels_step / { fields(); ours_eager[key] = v["eager_us"]; ours_graph[key] = v["graph_us"] }
    FILENAME != ours_log && /^step / && /block_mean_us=/ { fields(); torch[key, v["mode"]] = v["block_mean_us"] }
    END {
      for (i = 2; i <= count; i++)  # insertion sort: by batch, then channels
        for (j = i; j > 1 && keys[j - 1] > keys[j]; j--) { t = keys[j]; keys[j] = keys[j - 1]; keys[j - 1] = t }
      printf "%-16s %10s %10s %10s %10s %10s %10s %14s\n", "batch, channels", "ours", "ours", "torch", "torch",
             "torch", "torch", "torch eager /"
      printf "%-16s %10s %10s %10s %10s %10s %10s %14s\n", "", "eager", "graph", "eager", "graph", "compile",
             "compile+cg", "ours graph"
      for (i = 1; i <= count; i++) {
        key = keys[i]
        split(key, bc, " ")
        e = number(torch[key, "eager"]); g = number(ours_graph[key])
        speedup = (e > 0 && g > 0) ? sprintf("%.2fx", e / g) : "-"
        printf "%-16s %10s %10s %10s %10s %10s %10s %14s\n", (bc[1] + 0) ", " (bc[2] + 0), cell(ours_eager[key]),
               cell(ours_graph[key]), cell(torch[key, "eager"]), cell(torch[key, "graph"]), cell(torch[key, "compile"]),
               cell(torch[key, "compile-reduce-overhead"]), speedup
      }
    }' "${files[@]}"
}

# ---- 4. report ------------------------------------------------------------------------------------
status_word() {
  case $1 in
    0) echo "passed" ;; skipped) echo "not run" ;; 124 | 137) echo "TIMED OUT" ;; 125) echo "not run (out of time)" ;;
    *) echo "FAILED ($1)" ;;
  esac
}
test_word=$(status_word "$test_status")
grep -q "test_gpu: skipped" "$out/test_gpu.log" 2>/dev/null && test_word="skipped (no CUDA device)"
{
  echo "# untangle GPU report"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- device: $(nvidia-smi -L 2>/dev/null | head -1 || true)"
  echo "- nvcc: $(nvcc --version 2>/dev/null | tail -1 || true)"
  echo "- build ($build, $jobs jobs): configure $(status_word "$configure_status"), build $(status_word "$build_status") in ${build_seconds}s, lines mentioning warnings: $warnings"
  echo "- test_gpu: $test_word; compute-sanitizer: $(status_word "$sanitizer_status"); bench_kernels: $(status_word "$bench_status"); PyTorch: $(status_word "$torch_status")"
  echo
  echo "## test_gpu: kernels and ops against their CPU twins, training curves, graph replays (max relative error)"
  echo '```'
  grep -E "^==|^test_gpu:|\[doctest\] (test cases|assertions)|ERROR|FAILED|error|Error" "$out/test_gpu.log" 2>/dev/null ||
    echo "(no log)"
  echo '```'
  echo
  echo "## compute-sanitizer memcheck (test_conv2d.cpp)"
  echo '```'
  grep -E "ERROR SUMMARY|Invalid|out of bounds|misaligned|test cases|assertions|not found" "$out/sanitizer.log" 2>/dev/null |
    head -30 || echo "(no log)"
  echo '```'
  echo
  echo "## bench_kernels"
  echo '```'
  cat "$out/bench_kernels.log" 2>/dev/null || echo "(no log)"
  echo '```'
  echo
  echo "## beta-VAE training step: ours vs PyTorch (us per step, mean over a block of queued steps)"
  echo '```'
  side_by_side
  echo '```'
  echo
  echo "## PyTorch on the same GPU: convolution passes (scripts/bench_torch_gpu.py)"
  echo '```'
  cat "$out/bench_torch.log"
  echo '```'
  echo
  echo "## PyTorch on the same GPU: training step (scripts/bench_torch_step.py)"
  echo '```'
  cat "$out/bench_torch_step.log"
  echo '```'
  if ((build_status != 0)); then
    echo
    echo "## build log (last 60 lines)"
    echo '```'
    tail -60 "$out/build.log" 2>/dev/null || tail -60 "$out/configure.log"
    echo '```'
  fi
  echo
  echo "total: $(($(date +%s) - started)) s"
} >"$report"
say "report: $report ($(($(date +%s) - started)) s)"
tail -40 "$report"
[[ $build_status == 0 && ( $test_status == 0 ) ]]
