// See host_memory.h.
#include "kernels/memory/host_memory.h"

#include <atomic>
#include <cstdlib>

#include "core/check.h"

namespace untangle {

namespace {

constexpr size_t kAlignment = 64;  // a cache line, and an AVX-512 vector

std::atomic<size_t> idle_limit{size_t(1) << 30};

size_t aligned_size(size_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment;
}

BlockCache& large_blocks() {
  // Never destroyed: tensors with static storage may release their blocks after main() returns.
  static BlockCache* cache = new BlockCache(
      "host_allocate_floats",
      [](size_t bytes) { return std::aligned_alloc(kAlignment, aligned_size(bytes)); },
      [](void* block) { std::free(block); });
  return *cache;
}

}  // namespace

float* host_allocate_floats(size_t count) {
  if (count == 0) return nullptr;
  require(count <= (size_t(-1) >> 3), "host_allocate_floats: ", count, " floats is too many");
  const size_t bytes = count * sizeof(float);
  if (bytes >= kHostCacheMinBytes) return static_cast<float*>(large_blocks().allocate(bytes));
  void* block = std::aligned_alloc(kAlignment, aligned_size(bytes));
  require(block != nullptr, "host_allocate_floats: out of memory allocating ", bytes, " bytes");
  return static_cast<float*>(block);
}

void host_release_floats(float* data, size_t count) {
  if (!data) return;
  if (count * sizeof(float) < kHostCacheMinBytes) {
    std::free(data);
    return;
  }
  BlockCache& cache = large_blocks();
  cache.release(data, count * sizeof(float));
  // Trimmed back to the limit, not emptied: a working set just over it keeps most of its blocks.
  const size_t limit = idle_limit.load();
  if (cache.statistics().bytes_cached > limit) cache.free_idle_blocks(limit);
}

size_t set_host_idle_limit(size_t bytes) {
  return idle_limit.exchange(bytes);
}

BlockCache::Statistics host_memory_statistics() {
  return large_blocks().statistics();
}

}  // namespace untangle
