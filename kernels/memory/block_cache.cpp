#include "kernels/memory/block_cache.h"

#include <cstdio>

#include "core/check.h"

namespace untangle {

void* BlockCache::allocate(size_t bytes) {
  if (bytes == 0) return nullptr;
  const size_t size = rounded(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  Pool& pool = pool_of(capturing_);
  std::vector<void*>& list = pool.free_blocks[size];
  void* block = nullptr;
  if (!list.empty()) {
    block = list.back();
    list.pop_back();
    statistics_.bytes_cached -= size;
  } else {
    block = make_(size);
    if (!block && !capturing_) {
      free_idle_general_blocks(0);
      block = make_(size);
    }
    require(block != nullptr, name_, ": out of memory for a block of ", size, " bytes (",
            statistics_.bytes_in_use, " bytes in use, ", statistics_.bytes_cached, " cached)");
    ++statistics_.blocks_made;
    if (capturing_) pool.made.push_back(block);
    owner_[block] = capturing_;
  }
  statistics_.bytes_in_use += size;
  return block;
}

void BlockCache::release(void* block, size_t bytes) {
  if (!block) return;
  const size_t size = rounded(bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = owner_.find(block);
  if (found == owner_.end()) {
    std::fprintf(stderr, "%s: release of %p, which was not allocated here; ignored\n", name_.c_str(), block);
    return;
  }
  statistics_.bytes_in_use -= size;
  if (found->second == kOrphan) {  // its capture pool is gone: nobody may reuse it
    owner_.erase(found);
    free_block(block);
    return;
  }
  statistics_.bytes_cached += size;
  if (found->second == kGeneral && capturing_) {  // the graph being captured may use it on every replay
    capture_pools_.at(capturing_).held.emplace_back(block, size);
    return;
  }
  pool_of(found->second).free_blocks[size].push_back(block);
}

uint64_t BlockCache::new_capture_pool() {
  std::lock_guard<std::mutex> lock(mutex_);
  const uint64_t id = next_pool_++;
  capture_pools_[id];
  return id;
}

void BlockCache::begin_capture(uint64_t pool) {
  std::lock_guard<std::mutex> lock(mutex_);
  require(capture_pools_.count(pool) == 1, name_, ": begin_capture: unknown pool ", pool);
  require(capturing_ == 0, name_, ": begin_capture: a capture is already in progress");
  capturing_ = pool;
}

void BlockCache::end_capture() {
  std::lock_guard<std::mutex> lock(mutex_);
  capturing_ = 0;
  for (void* block : deferred_frees_) free_block(block);
  deferred_frees_.clear();
}

void BlockCache::delete_capture_pool(uint64_t pool) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = capture_pools_.find(pool);
  if (found == capture_pools_.end()) return;
  require(capturing_ != pool, name_, ": delete_capture_pool: pool ", pool, " is being captured into");
  Pool& doomed = found->second;
  for (auto& [size, blocks] : doomed.free_blocks) {  // idle: freed now
    for (void* block : blocks) {
      owner_.erase(block);
      free_block(block);
      statistics_.bytes_cached -= size;
    }
  }
  for (void* block : doomed.made) {  // still in use: freed when released
    auto entry = owner_.find(block);
    if (entry != owner_.end()) entry->second = kOrphan;
  }
  for (const auto& [block, size] : doomed.held)
    general_.free_blocks[size].push_back(block);  // the graph is gone
  capture_pools_.erase(found);
}

BlockCache::Statistics BlockCache::statistics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return statistics_;
}

void BlockCache::free_block(void* block) {
  if (capturing_) {
    deferred_frees_.push_back(block);
    return;
  }
  free_(block);
  ++statistics_.blocks_freed;
}

void BlockCache::free_idle_blocks(size_t keep_bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  free_idle_general_blocks(keep_bytes);
}

void BlockCache::free_idle_general_blocks(size_t keep_bytes) {
  for (auto& [size, blocks] : general_.free_blocks) {
    while (!blocks.empty() && statistics_.bytes_cached > keep_bytes) {
      void* block = blocks.back();
      blocks.pop_back();
      owner_.erase(block);
      free_block(block);
      statistics_.bytes_cached -= size;
    }
  }
}

}  // namespace untangle
