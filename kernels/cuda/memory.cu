// The caching allocator and copies of kernels/cuda/memory.h. The allocator's bookkeeping (free lists,
// capture pools) is kernels/memory/block_cache.h, tested on the CPU; here it runs over cudaMalloc / cudaFree.
// A training step asks for the same sizes every time, so after the first step every request is served from a
// free list and cudaMalloc is not called again (memory_statistics().cuda_mallocs stays put).
#include <cstring>
#include <mutex>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/memory.h"
#include "kernels/cuda/stream.h"
#include "kernels/memory/block_cache.h"

namespace untangle::cuda {

namespace {

// The allocator: kernels/memory/block_cache.h's bookkeeping over cudaMalloc / cudaFree. Never destroyed:
// tensors held by static objects may be released during static destruction.
BlockCache& cache() {
  static BlockCache* shared = new BlockCache(
      "cuda::allocate",
      [](size_t bytes) -> void* {
        void* block = nullptr;
        const cudaError_t status = cudaMalloc(&block, bytes);
        if (status == cudaErrorMemoryAllocation) {
          cudaGetLastError();  // out of memory is not sticky: the cache empties itself and tries again
          return nullptr;
        }
        check_status(status, "cudaMalloc", "cuda::allocate", __FILE__, __LINE__);  // any other failure throws
        return block;
      },
      [](void* block) { cudaFree(block); });
  return *shared;
}

__global__ void fill_kernel(float* data, size_t count, float value) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count;
       i += size_t(gridDim.x) * blockDim.x)
    data[i] = value;
}

__global__ void add_into_kernel(float* target, const float* values, size_t count) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count;
       i += size_t(gridDim.x) * blockDim.x)
    target[i] += values[i];
}

__global__ void scale_kernel(float* data, size_t count, float factor) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count;
       i += size_t(gridDim.x) * blockDim.x)
    data[i] *= factor;
}

}  // namespace

void* allocate(size_t bytes) {
  return cache().allocate(bytes);
}

void release(void* data, size_t bytes) {
  cache().release(data, bytes);
}

void copy_to_device(void* device, const void* host, size_t bytes) {
  if (bytes == 0) return;
  const char* op = "cuda::copy_to_device";
  // A captured graph would copy whatever the staging buffer holds at replay time: never inside a capture.
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  UNTANGLE_CUDA_CHECK(cudaStreamIsCapturing(stream(), &capture), op);
  require(capture == cudaStreamCaptureStatusNone, op,
          ": a host-to-device copy inside a CUDA graph capture (a step "
          "that uploads host data cannot be captured)");
  // Each staging buffer is refilled only once the copy out of it (two uploads ago) has finished: by then
  // the GPU has started the step that upload fed, so the host does not wait for the step running now.
  struct Staging {
    void* pinned = nullptr;
    size_t capacity = 0;
    cudaEvent_t copied = nullptr;
  };
  static std::mutex guard;
  static auto* stages = new Staging[2];  // never freed, like the stream
  static int next = 0;
  std::lock_guard<std::mutex> lock(guard);
  Staging& s = stages[next];
  next = 1 - next;
  if (s.copied)
    UNTANGLE_CUDA_CHECK(cudaEventSynchronize(s.copied), op);
  else
    UNTANGLE_CUDA_CHECK(cudaEventCreateWithFlags(&s.copied, cudaEventDisableTiming), op);
  if (s.capacity < bytes) {
    if (s.pinned) UNTANGLE_CUDA_CHECK(cudaFreeHost(s.pinned), op);
    s.pinned = nullptr;
    s.capacity = 0;
    UNTANGLE_CUDA_CHECK(cudaMallocHost(&s.pinned, bytes), op);
    s.capacity = bytes;
  }
  std::memcpy(s.pinned, host, bytes);
  UNTANGLE_CUDA_CHECK(cudaMemcpyAsync(device, s.pinned, bytes, cudaMemcpyHostToDevice, stream()), op);
  UNTANGLE_CUDA_CHECK(cudaEventRecord(s.copied, stream()), op);
}

void copy_to_host(void* host, const void* device, size_t bytes) {
  if (bytes == 0) return;
  UNTANGLE_CUDA_CHECK(cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost, stream()),
                      "cuda::copy_to_host");
  UNTANGLE_CUDA_CHECK(cudaStreamSynchronize(stream()), "cuda::copy_to_host");
}

void copy_on_device(void* to, const void* from, size_t bytes) {
  if (bytes == 0) return;
  UNTANGLE_CUDA_CHECK(cudaMemcpyAsync(to, from, bytes, cudaMemcpyDeviceToDevice, stream()),
                      "cuda::copy_on_device");
}

void fill(float* data, size_t count, float value) {
  if (count == 0) return;
  fill_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream()>>>(data, count, value);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::fill");
}

void add_into(float* target, const float* values, size_t count) {
  if (count == 0) return;
  add_into_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream()>>>(target, values, count);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::add_into");
}

void scale(float* data, size_t count, float factor) {
  if (count == 0) return;
  scale_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream()>>>(data, count, factor);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::scale");
}

void synchronize() {
  UNTANGLE_CUDA_CHECK(cudaStreamSynchronize(stream()), "cuda::synchronize");
}

uint64_t new_capture_pool() {
  return cache().new_capture_pool();
}
void begin_capture_allocations(uint64_t pool) {
  cache().begin_capture(pool);
}
void end_capture_allocations() {
  cache().end_capture();
}  // graph.cu ends the stream capture first

void delete_capture_pool(uint64_t pool) {
  cudaStreamSynchronize(stream());  // the graph's last replay may still be using the memory
  cache().delete_capture_pool(pool);
}

MemoryStatistics memory_statistics() {
  const BlockCache::Statistics s = cache().statistics();
  return {s.bytes_in_use, s.bytes_cached, s.blocks_made};
}

}  // namespace untangle::cuda
