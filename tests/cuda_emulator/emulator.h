// The CUDA emulator: untangle's CUDA backend (kernels/cuda/*.cu and everything above it) compiled with the
// host C++ compiler and run on the CPU, so that every CUDA code path is executed by `make test` on
// machines without a GPU, and by CI.
//
// How. tests/cuda_emulator/include/ stands in for <cuda_runtime.h>, <cublas_v2.h> and <cufft.h>;
// translate_cu.cmake rewrites each kernel launch `k<<<...>>>(...)` into a call (include/cuda_emulator/
// launch.h); the rest of the .cu source is compiled unchanged. A launch's blocks are shared among the
// machine's cores, each host thread running one block at a time; a block's threads are coroutines on its
// host thread (threads.cpp), each running until it reaches __syncthreads or returns, so a barrier is a
// real barrier and `__shared__` (thread_local) is one array per running block. Streams run their work at
// once, in order; a stream being captured records it instead, and a graph launch replays the recording
// (runtime.cpp). SGEMM and the FFTs are plain loops with cuBLAS's and cuFFT's conventions (cublas.cpp,
// cufft.cpp).
//
// What this checks: the kernels' index arithmetic, tiling, reductions and barriers (a barrier that some
// threads of a block skip is reported; threads take turns in ascending order one round and descending the
// next, so a read missing its barrier sees a stale value; blocks run ascending in one launch and
// descending in the next), launch configurations (grid and block size limits), the host code around the
// kernels (allocation; copies in the right direction and within an allocation; cuBLAS argument order,
// leading dimensions and operand extents; cuFFT layouts), graph capture (a synchronising call, a
// synchronous copy, cudaFree, or cudaMalloc outside relaxed mode inside a capture invalidates it, as on a
// GPU) — all against the CPU twins, by the tests in tests/gpu/. New device memory is filled with NaN
// bytes, so a kernel that reads memory nobody wrote shows up as NaN; each cudaMalloc block ends at an
// inaccessible page and its rounding bytes are checked after every kernel, so a kernel that indexes past
// the end of its block is caught and named (device_memory.cpp).
// What it cannot check: speed; races that depend on timing (everything runs in one order, and
// synchronously: a missing wait between the host and the device is invisible); warps; registers and
// __launch_bounds__ (a block too large for its registers fails only on a GPU); memory spaces (device
// memory is host memory: a kernel reading a host pointer, or host code reading a device pointer, "works"
// here; so does an index before a block's start by less than a page, or past its end into a block the
// caching allocator handed out larger than asked; compute-sanitizer on a GPU is the check for those);
// __shared__ arrays keep the previous block's values rather than garbage; two threads waiting at
// different __syncthreads calls are taken as one barrier; the GPU's float functions (the host's expf,
// logf... differ from CUDA's in the last bits); real cuBLAS and cuFFT (one call is one graph node here,
// several on a GPU). Device code that throws, or overflows its 256 KiB stack, ends the process.
#pragma once
#include <cstddef>

#include "cuda_runtime.h"

namespace untangle_emulator {

// Records an error for cudaGetLastError and returns it.
cudaError_t set_last_error(cudaError_t error);

// Device memory (device_memory.cpp): every block between inaccessible pages, so an access past its end
// faults; the bytes between its size and cudaMalloc's 256-byte rounding checked after every kernel.
void* allocate_device(size_t bytes);  // nullptr when out of memory
bool free_device(void* pointer);      // false when `pointer` is not a block's start
// Whether [pointer, pointer + bytes) lies inside one block returned by cudaMalloc.
bool is_device_range(const void* pointer, size_t bytes);
// Throws, naming `kernel`, if any block's rounding bytes were written.
void check_device_tails(const char* kernel);
// Reports a memory fault with the running kernel's name (once per host thread: it sets an alternate
// signal stack there, so that a coroutine stack overflow is reported too).
void install_fault_report();

// The kernel that the calling host thread is running, or nullptr (threads.cpp).
const char* running_kernel();

}  // namespace untangle_emulator
