// Device memory for tensors, and the copies between host and device.
//
// cudaMalloc and cudaFree are slow (cudaFree waits for the whole device), and a training step makes and
// drops a few hundred intermediate tensors, so freed blocks are kept in a cache keyed by their (rounded)
// size and handed out again — the same idea as PyTorch's caching allocator, in its simplest form. Every
// kernel runs on the one stream of kernels/cuda/stream.h, so a block can be reused as soon as the host
// drops it: the kernels still reading it were queued before the kernels that will write it.
//
// While a CUDA graph is being captured (nn/graphed_step.h) allocations come from a separate pool whose
// blocks never return to the general cache, because the recorded graph keeps using their addresses.
//
// No CUDA headers here: autograd/tensor.cpp calls these in every build behind kCudaCompiled
// (kernels/device.h). Errors name the call ("cuda::allocate: cudaMalloc(...) failed: out of memory").
#pragma once
#include <cstddef>
#include <cstdint>

namespace untangle::cuda {

// `bytes` of uninitialised device memory (nullptr for 0 bytes). On an out-of-memory error the cache is
// emptied and the allocation tried once more before the error is thrown.
void* allocate(size_t bytes);
// Gives a block back (to the cache, or to the capture pool it came from). `bytes` is what was asked for.
void release(void* data, size_t bytes);

// Copies queued on cuda::stream(). The copy to the host waits for it (and so reports an error from any
// kernel queued before it); the other two return at once. A host source is first copied into one of two
// pinned (page-locked) staging buffers used in turn, so the upload never waits for the kernels already
// queued (a copy from ordinary, pageable memory may) and the caller may reuse its memory at once.
void copy_to_device(void* device, const void* host, size_t bytes);
void copy_to_host(void* host, const void* device, size_t bytes);
void copy_on_device(void* to, const void* from, size_t bytes);

// data[i] = value for i < count (a kernel: capturable in a graph, unlike cudaMemset on the default stream).
void fill(float* data, size_t count, float value);
// target[i] += values[i] for i < count: how a gradient computed into scratch is added to an accumulated one.
void add_into(float* target, const float* values, size_t count);
// data[i] *= factor for i < count.
void scale(float* data, size_t count, float factor);

// Waits until everything queued has finished; reports an error raised inside any kernel.
void synchronize();

// The graph-capture pool (used by nn/graphed_step.cpp). Between begin and end, allocate() serves
// blocks only from the pool (growing it with cudaMalloc) and release() returns them to it.
// `pool` is an opaque id made by new_capture_pool() and freed (with its memory) by delete_capture_pool().
uint64_t new_capture_pool();
void begin_capture_allocations(uint64_t pool);
void end_capture_allocations();
void delete_capture_pool(uint64_t pool);

struct MemoryStatistics {
  size_t bytes_in_use = 0;  // handed out and not yet released
  size_t bytes_cached = 0;  // released, kept for reuse
  size_t cuda_mallocs = 0;  // calls to cudaMalloc so far (a steady-state step should add none)
};
MemoryStatistics memory_statistics();

}  // namespace untangle::cuda
