// The caching allocator and copies of kernels/cuda/memory.h.
//
// Blocks are rounded up to a multiple of kGranule bytes and kept, once released, in a free list per
// rounded size. A training step asks for the same sizes every time, so after the first step every request
// is served from a list and cudaMalloc is not called again (memory_statistics().cuda_mallocs stays put).
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/memory.h"
#include "kernels/cuda/stream.h"

namespace untangle::cuda {

namespace {

constexpr size_t kGranule = 512;

size_t rounded(size_t bytes) { return (bytes + kGranule - 1) / kGranule * kGranule; }

struct Pool {
  std::unordered_map<size_t, std::vector<void*>> free_blocks;  // by rounded size
  std::vector<void*> made;                                     // every block made for this pool
  // General-cache blocks released while this pool's graph was being captured: the graph may still use
  // them, so they go back to the general cache only when the pool (and its graph) is deleted.
  std::vector<std::pair<void*, size_t>> held;
};

// owner[block] for a block whose capture pool was deleted while the block was still in use: it is freed
// with cudaFree when released.
constexpr uint64_t kOrphan = ~uint64_t(0);

struct Allocator {
  std::mutex mutex;
  Pool general;
  std::map<uint64_t, Pool> capture_pools;
  uint64_t next_pool = 1;
  uint64_t capturing = 0;                            // the capture pool in use; 0: the general cache
  std::unordered_map<void*, uint64_t> owner;         // every block made -> its pool (0: general, kOrphan)
  std::vector<void*> deferred_frees;                 // orphans released during a capture
  MemoryStatistics statistics;
};

// Never destroyed: tensors held by static objects may be released during static destruction.
Allocator& allocator() {
  static Allocator* shared = new Allocator;
  return *shared;
}

// Frees the general cache's idle blocks (to retry a failed cudaMalloc). Caller holds the mutex.
void empty_general_cache(Allocator& a) {
  for (auto& [size, blocks] : a.general.free_blocks) {
    for (void* block : blocks) {
      cudaFree(block);
      a.owner.erase(block);
      a.statistics.bytes_cached -= size;
    }
    blocks.clear();
  }
}

__global__ void fill_kernel(float* data, size_t count, float value) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count; i += size_t(gridDim.x) * blockDim.x)
    data[i] = value;
}

__global__ void add_into_kernel(float* target, const float* values, size_t count) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count; i += size_t(gridDim.x) * blockDim.x)
    target[i] += values[i];
}

__global__ void scale_kernel(float* data, size_t count, float factor) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count; i += size_t(gridDim.x) * blockDim.x)
    data[i] *= factor;
}

}  // namespace

void* allocate(size_t bytes) {
  if (bytes == 0) return nullptr;
  const size_t size = rounded(bytes);
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  Pool& pool = a.capturing ? a.capture_pools.at(a.capturing) : a.general;
  std::vector<void*>& list = pool.free_blocks[size];
  void* block = nullptr;
  if (!list.empty()) {
    block = list.back();
    list.pop_back();
    a.statistics.bytes_cached -= size;
  } else {
    cudaError_t status = cudaMalloc(&block, size);
    if (status == cudaErrorMemoryAllocation && !a.capturing) {
      cudaGetLastError();
      empty_general_cache(a);
      status = cudaMalloc(&block, size);
    }
    if (status != cudaSuccess)
      check_status(status, "cudaMalloc", "cuda::allocate", __FILE__, __LINE__);  // throws, naming the error
    ++a.statistics.cuda_mallocs;
    pool.made.push_back(block);
    a.owner[block] = a.capturing;
  }
  a.statistics.bytes_in_use += size;
  return block;
}

void release(void* data, size_t bytes) {
  if (!data) return;
  const size_t size = rounded(bytes);
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  auto found = a.owner.find(data);
  if (found == a.owner.end()) {  // a bug in the caller; release() runs in destructors, so say it, don't throw
    std::fprintf(stderr, "cuda::release: %p was not allocated by cuda::allocate; ignored\n", data);
    return;
  }
  a.statistics.bytes_in_use -= size;
  if (found->second == kOrphan) {  // its capture pool is gone: nobody can reuse it
    a.owner.erase(found);
    if (a.capturing) a.deferred_frees.push_back(data);  // cudaFree is not allowed during a capture
    else cudaFree(data);
    return;
  }
  if (found->second == 0 && a.capturing) {  // the graph being captured may read it on every replay
    a.capture_pools.at(a.capturing).held.emplace_back(data, size);
    return;
  }
  Pool& pool = found->second ? a.capture_pools.at(found->second) : a.general;
  pool.free_blocks[size].push_back(data);
  a.statistics.bytes_cached += size;
}

void copy_to_device(void* device, const void* host, size_t bytes) {
  if (bytes == 0) return;
  const char* op = "cuda::copy_to_device";
  // A captured graph would copy whatever the staging buffer holds at replay time: never inside a capture.
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  UNTANGLE_CUDA_CHECK(cudaStreamIsCapturing(stream(), &capture), op);
  require(capture == cudaStreamCaptureStatusNone, op, ": a host-to-device copy inside a CUDA graph capture (a step "
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
  if (s.copied) UNTANGLE_CUDA_CHECK(cudaEventSynchronize(s.copied), op);
  else UNTANGLE_CUDA_CHECK(cudaEventCreateWithFlags(&s.copied, cudaEventDisableTiming), op);
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
  UNTANGLE_CUDA_CHECK(cudaMemcpyAsync(host, device, bytes, cudaMemcpyDeviceToHost, stream()), "cuda::copy_to_host");
  UNTANGLE_CUDA_CHECK(cudaStreamSynchronize(stream()), "cuda::copy_to_host");
}

void copy_on_device(void* to, const void* from, size_t bytes) {
  if (bytes == 0) return;
  UNTANGLE_CUDA_CHECK(cudaMemcpyAsync(to, from, bytes, cudaMemcpyDeviceToDevice, stream()), "cuda::copy_on_device");
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

void synchronize() { UNTANGLE_CUDA_CHECK(cudaStreamSynchronize(stream()), "cuda::synchronize"); }

uint64_t new_capture_pool() {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  const uint64_t id = a.next_pool++;
  a.capture_pools[id];
  return id;
}

void begin_capture_allocations(uint64_t pool) {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  require(a.capture_pools.count(pool) == 1, "cuda::begin_capture_allocations: unknown pool ", pool);
  require(a.capturing == 0, "cuda::begin_capture_allocations: a capture is already in progress");
  a.capturing = pool;
}

void end_capture_allocations() {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  a.capturing = 0;
  for (void* block : a.deferred_frees) cudaFree(block);  // the capture has ended (graph.cu ends it first)
  a.deferred_frees.clear();
}

void delete_capture_pool(uint64_t pool) {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  auto found = a.capture_pools.find(pool);
  if (found == a.capture_pools.end()) return;
  cudaStreamSynchronize(stream());  // the graph's last replay may still be using the memory
  Pool& doomed = found->second;
  // Idle blocks are freed now; blocks still held by tensors are freed when those tensors release them.
  for (auto& [size, blocks] : doomed.free_blocks) {
    for (void* block : blocks) {
      cudaFree(block);
      a.owner.erase(block);
      a.statistics.bytes_cached -= size;
    }
  }
  for (void* block : doomed.made) {
    auto entry = a.owner.find(block);
    if (entry != a.owner.end()) entry->second = kOrphan;
  }
  for (const auto& [block, size] : doomed.held) {  // the graph is gone: the general cache may reuse these
    a.general.free_blocks[size].push_back(block);
    a.statistics.bytes_cached += size;
  }
  a.capture_pools.erase(found);
}

MemoryStatistics memory_statistics() {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  return a.statistics;
}

}  // namespace untangle::cuda
