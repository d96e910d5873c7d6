// The CPU tensors' allocator (kernels/memory/host_memory.h) and the kernels' per-thread scratch buffers
// (kernels/cpu/scratch.h).
#include <doctest/doctest.h>

#include <cstdint>
#include <thread>

#include "kernels/cpu/scratch.h"
#include "kernels/memory/host_memory.h"

using namespace untangle;

namespace {

bool aligned64(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % 64 == 0;
}

}  // namespace

TEST_CASE("host blocks are aligned, writable, and large ones are reused instead of made again") {
  CHECK(host_allocate_floats(0) == nullptr);
  host_release_floats(nullptr, 10);  // ignored

  float* small = host_allocate_floats(7);
  CHECK(aligned64(small));
  for (int i = 0; i < 7; ++i) small[i] = float(i);
  CHECK(small[6] == 6.0f);
  host_release_floats(small, 7);

  const size_t count = 3 * kHostCacheMinBytes / sizeof(float) + 5;  // not a round size
  float* first = host_allocate_floats(count);
  CHECK(aligned64(first));
  first[0] = 1.0f;
  first[count - 1] = 2.0f;
  host_release_floats(first, count);
  const BlockCache::Statistics before = host_memory_statistics();
  for (int step = 0; step < 5; ++step) {  // a training loop asking for the same size every step
    float* again = host_allocate_floats(count);
    CHECK(aligned64(again));
    again[count - 1] = float(step);
    host_release_floats(again, count);
  }
  const BlockCache::Statistics after = host_memory_statistics();
  CHECK(after.blocks_made == before.blocks_made);
  CHECK(after.bytes_in_use == before.bytes_in_use);
}

TEST_CASE("idle host blocks past the idle limit are freed, not hoarded") {
  const size_t block = 2 * kHostCacheMinBytes / sizeof(float);
  const size_t old_limit = set_host_idle_limit(3 * kHostCacheMinBytes);  // room for one idle block
  const BlockCache::Statistics before = host_memory_statistics();
  // Ever new sizes, as a program with varying batch sizes would ask for: each released block is idle.
  for (size_t extra = 0; extra < 6; ++extra) {
    const size_t count = block + (extra + 1) * 1024;
    host_release_floats(host_allocate_floats(count), count);
    CHECK(host_memory_statistics().bytes_cached <= 3 * kHostCacheMinBytes);
  }
  CHECK(host_memory_statistics().blocks_freed > before.blocks_freed);
  CHECK(host_memory_statistics().bytes_cached > 0);  // trimmed back to the limit, not emptied
  set_host_idle_limit(old_limit);
}

TEST_CASE("thread scratch buffers grow on demand, stay put otherwise, and differ per slot and thread") {
  float* a = thread_scratch(0, 100);
  float* b = thread_scratch(1, 100);
  CHECK(a != b);
  CHECK(aligned64(a));
  a[99] = 5.0f;
  CHECK(thread_scratch(0, 50) == a);  // smaller: the same buffer
  CHECK(a[99] == 5.0f);
  float* grown = thread_scratch(0, 1 << 20);
  CHECK(aligned64(grown));
  grown[(1 << 20) - 1] = 1.0f;
  float* other_thread = nullptr;
  std::thread([&] { other_thread = thread_scratch(0, 100); }).join();
  CHECK(other_thread != grown);
  CHECK_THROWS(thread_scratch(5, 1));
}
