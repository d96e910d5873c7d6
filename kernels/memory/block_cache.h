// The bookkeeping of a caching allocator, kept apart from the memory it manages so that it can be read
// and tested on its own (kernels/cuda/memory.cu runs it on device memory; tests/kernels/test_block_cache.cpp
// runs it on fake blocks).
//
// Blocks are rounded up to a multiple of kGranule bytes; a released block waits in a free list for its
// rounded size and is handed out again, so a loop that asks for the same sizes every iteration stops
// making blocks after its first pass.
//
// Capture pools serve a CUDA graph being captured (kernels/cuda/graph.h), whose recorded kernels keep
// using the addresses they were captured with:
//   - between begin_capture(pool) and end_capture(), blocks come from that pool and go back to it; they
//     never reach the general cache, so nothing outside the graph can be handed its memory;
//   - a general block released during a capture may still be used by the graph, so it is held by the pool
//     and returned to the general cache only when the pool is deleted;
//   - deleting a pool frees its idle blocks; its blocks still in use become orphans, freed when released;
//   - no block is freed during a capture (cudaFree is not allowed then): such frees wait for end_capture().
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace untangle {

class BlockCache {
 public:
  static constexpr size_t kGranule = 512;

  // make(bytes): a new block, or nullptr when out of memory (any other failure throws); free(block).
  using MakeBlock = std::function<void*(size_t bytes)>;
  using FreeBlock = std::function<void(void* block)>;
  // `name` starts its error messages ("cuda::allocate: out of memory ...").
  BlockCache(std::string name, MakeBlock make, FreeBlock free)
      : name_(std::move(name)), make_(std::move(make)), free_(std::move(free)) {}
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // nullptr for 0 bytes. When make() runs out of memory outside a capture, the idle general blocks are
  // freed and make() tried once more; then an untangle::Error names the size and what is in use.
  void* allocate(size_t bytes);
  // `bytes` as asked for. An unknown block is reported on stderr and ignored (release runs in destructors).
  void release(void* block, size_t bytes);

  // Frees idle blocks of the general cache until at most `keep_bytes` stay cached (blocks in use, and
  // capture pools, are untouched).
  void free_idle_blocks(size_t keep_bytes = 0);

  uint64_t new_capture_pool();
  void begin_capture(uint64_t pool);  // at most one capture at a time
  void end_capture();
  void delete_capture_pool(uint64_t pool);  // the caller first waits for the graph's last replay

  struct Statistics {
    size_t bytes_in_use = 0;  // handed out and not yet released
    size_t bytes_cached = 0;  // released, kept for reuse (or held for a graph)
    size_t blocks_made = 0;   // calls to make() that gave a block
    size_t blocks_freed = 0;  // calls to free()
  };
  Statistics statistics() const;

 private:
  static size_t rounded(size_t bytes) { return (bytes + kGranule - 1) / kGranule * kGranule; }
  static constexpr uint64_t kGeneral = 0;
  static constexpr uint64_t kOrphan = ~uint64_t(0);  // owner of a block whose capture pool was deleted

  struct Pool {
    std::unordered_map<size_t, std::vector<void*>> free_blocks;  // by rounded size
    std::vector<void*> made;                                     // every block made for a capture pool
    std::vector<std::pair<void*, size_t>> held;                  // general blocks released during its capture
  };

  void free_block(void* block);  // now, or after the capture in progress
  // Frees idle general blocks until at most keep_bytes stay cached (the caller holds mutex_).
  void free_idle_general_blocks(size_t keep_bytes);
  Pool& pool_of(uint64_t owner) { return owner == kGeneral ? general_ : capture_pools_.at(owner); }

  std::string name_;
  MakeBlock make_;
  FreeBlock free_;
  mutable std::mutex mutex_;
  Pool general_;
  std::map<uint64_t, Pool> capture_pools_;
  uint64_t next_pool_ = 1;
  uint64_t capturing_ = 0;                     // the pool being captured into; 0: none
  std::unordered_map<void*, uint64_t> owner_;  // every live or cached block -> its pool (or kOrphan)
  std::vector<void*> deferred_frees_;          // frees asked for during a capture
  Statistics statistics_;
};

}  // namespace untangle
