// The CUDA emulator: untangle's CUDA backend (kernels/cuda/*.cu and everything above it) compiled with the
// host C++ compiler and run on the CPU, so that every CUDA code path is executed by `make test` on
// machines without a GPU, and by CI.
//
// How. tests/cuda_emulator/include/ stands in for <cuda_runtime.h>, <cublas_v2.h> and <cufft.h>;
// translate_cu.cmake rewrites each kernel launch `k<<<...>>>(...)` into a call (include/cuda_emulator/
// launch.h); the rest of the .cu source is compiled unchanged. A launch runs its blocks one after
// another; a block's threads are coroutines on one host thread (threads.cpp), each running until it
// reaches __syncthreads or returns, so a barrier is a real barrier and `__shared__` is one array per
// block. Streams run their work at once, in order; a stream being captured records it instead, and a
// graph launch replays the recording (runtime.cpp). SGEMM and the FFTs are plain loops with cuBLAS's and
// cuFFT's conventions (cublas.cpp, cufft.cpp).
//
// What this checks: the kernels' index arithmetic, tiling, reductions and barriers (a barrier that some
// threads of a block skip is reported), launch configurations (limits of grid and block sizes), the
// host code around the kernels (allocation, copies in the right direction and within an allocation,
// cuBLAS argument orders, cuFFT layouts), graph capture (a synchronising call, cudaFree or a legacy-stream
// call inside a capture invalidates it, as on a GPU) — all against the CPU twins, by the tests in
// tests/gpu/. New device memory is filled with NaN bytes, so a kernel that reads memory nobody wrote
// shows up as NaN.
// What it cannot check: speed; races between threads of a block that a real GPU runs at the same time
// (here one thread runs at a time, from barrier to barrier); warp-level behaviour; the GPU's float
// functions (the host's expf, logf... differ from CUDA's in the last bits); real cuBLAS and cuFFT.
#pragma once
#include <cstddef>

#include "cuda_runtime.h"

namespace untangle_emulator {

// Records an error for cudaGetLastError and returns it.
cudaError_t set_last_error(cudaError_t error);

// Whether [pointer, pointer + bytes) lies inside one block returned by cudaMalloc.
bool is_device_range(const void* pointer, size_t bytes);

}  // namespace untangle_emulator
