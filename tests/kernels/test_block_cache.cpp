// The caching allocator's bookkeeping (kernels/memory/block_cache.h) on fake blocks: reuse by rounded size,
// out-of-memory retry, and the capture-pool rules a CUDA graph depends on — a graph's blocks never reach
// the general cache, general blocks released during a capture are held until the graph is gone, a deleted
// pool's blocks still in use are freed when released, and nothing is freed while a capture is in progress.
#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "core/check.h"
#include "kernels/memory/block_cache.h"

using namespace untangle;

namespace {

// Hands out distinct fake addresses, checks every free is of a live block, and can run out of memory.
struct FakeMemory {
  std::set<void*> live;
  std::vector<size_t> sizes_made;
  size_t limit_blocks = 1000;
  bool capturing = false;  // set by the test: a free now would be a bug
  int frees_during_capture = 0;
  uintptr_t next = 0x1000;

  BlockCache cache{"fake",
                   [this](size_t bytes) -> void* {
                     if (live.size() >= limit_blocks) return nullptr;
                     void* block = reinterpret_cast<void*>(next);
                     next += 0x100000;
                     live.insert(block);
                     sizes_made.push_back(bytes);
                     return block;
                   },
                   [this](void* block) {
                     REQUIRE(live.count(block) == 1);  // no double free, no free of a stranger
                     if (capturing) ++frees_during_capture;
                     live.erase(block);
                   }};
};

}  // namespace

TEST_CASE("released blocks are reused for the same rounded size") {
  FakeMemory m;
  void* a = m.cache.allocate(100);
  CHECK(m.sizes_made == std::vector<size_t>{BlockCache::kGranule});
  m.cache.release(a, 100);
  CHECK(m.cache.allocate(300) == a);  // 300 rounds to the same 512-byte block
  void* b = m.cache.allocate(600);    // a different size: a new block
  CHECK(b != a);
  CHECK(m.cache.statistics().blocks_made == 2);
  CHECK(m.cache.statistics().bytes_in_use == 3 * BlockCache::kGranule);
  CHECK(m.cache.allocate(0) == nullptr);
}

TEST_CASE("out of memory empties the cache once, then fails with a clear error") {
  FakeMemory m;
  m.limit_blocks = 2;
  void* a = m.cache.allocate(512);
  void* b = m.cache.allocate(1024);
  m.cache.release(a, 512);           // idle in the cache, but the wrong size for the next request
  void* c = m.cache.allocate(2048);  // make() fails, the idle block is freed, make() succeeds
  CHECK(c != nullptr);
  CHECK(m.live.count(a) == 0);
  CHECK_THROWS_WITH_AS(m.cache.allocate(4096),
                       doctest::Contains("fake: out of memory for a block of 4096 bytes"), Error);
  m.cache.release(b, 1024);
  m.cache.release(c, 2048);
}

TEST_CASE("a capture pool keeps the graph's memory away from everything else") {
  FakeMemory m;
  void* before = m.cache.allocate(512);  // a general block the captured work will drop
  const uint64_t pool = m.cache.new_capture_pool();
  m.cache.begin_capture(pool);
  m.capturing = true;
  void* temporary = m.cache.allocate(512);  // made for the pool (the general cache has no idle block)
  CHECK(temporary != before);
  m.cache.release(temporary, 512);
  CHECK(m.cache.allocate(512) == temporary);  // reused inside the same capture: fine, the graph runs in order
  void* kept = m.cache.allocate(1024);        // an output the caller keeps after the capture
  m.cache.release(temporary, 512);
  m.cache.release(before, 512);  // the graph may read it on every replay: held, not cached for reuse
  m.cache.end_capture();
  m.capturing = false;

  // After the capture: neither the graph's idle block nor the held one may be handed out.
  void* after = m.cache.allocate(512);
  CHECK(after != temporary);
  CHECK(after != before);
  m.cache.release(after, 512);

  // Deleting the pool frees its idle block, returns the held one to the general cache, and orphans `kept`.
  m.cache.delete_capture_pool(pool);
  CHECK(m.live.count(temporary) == 0);
  CHECK(m.live.count(kept) == 1);
  std::set<void*> next_two = {m.cache.allocate(512), m.cache.allocate(512)};
  CHECK(next_two == std::set<void*>{before, after});
  m.cache.release(kept, 1024);  // an orphan: freed, never cached
  CHECK(m.live.count(kept) == 0);
  for (void* block : next_two) m.cache.release(block, 512);
  CHECK(m.cache.statistics().bytes_in_use == 0);
  CHECK(m.cache.statistics().blocks_freed == 2);
}

TEST_CASE("nothing is freed while a capture is in progress") {
  FakeMemory m;
  const uint64_t first = m.cache.new_capture_pool();
  m.cache.begin_capture(first);
  void* orphan = m.cache.allocate(512);
  m.cache.end_capture();
  m.cache.delete_capture_pool(first);  // `orphan` is still in use
  CHECK(m.live.count(orphan) == 1);

  const uint64_t second = m.cache.new_capture_pool();
  m.cache.begin_capture(second);
  m.capturing = true;
  m.cache.release(orphan, 512);  // dropped during the next capture: its free waits
  CHECK(m.live.count(orphan) == 1);
  CHECK_THROWS_WITH_AS(m.cache.begin_capture(second), doctest::Contains("already in progress"), Error);
  m.capturing = false;
  m.cache.end_capture();
  CHECK(m.live.count(orphan) == 0);
  CHECK(m.frees_during_capture == 0);
  m.cache.delete_capture_pool(second);
  CHECK_THROWS_WITH_AS(m.cache.begin_capture(second), doctest::Contains("unknown pool"), Error);
}

TEST_CASE("releasing an unknown block is reported, not fatal") {
  FakeMemory m;
  int stranger = 0;
  m.cache.release(&stranger, 4);
  CHECK(m.cache.statistics().bytes_in_use == 0);
}
