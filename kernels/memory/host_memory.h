// Memory for CPU tensors: 64-byte aligned, *not* zeroed, and large blocks reused instead of returned to the
// operating system.
//
// Why: a training step allocates the same activations and gradients every step. Taken from std::vector,
// every one of them was zero-filled (even when a kernel overwrites it at once), and glibc serves blocks over
// its mmap threshold with fresh pages, so each step also paid a page fault per 4 KiB of them: `perf` on
// `bench_cpu --step` put memset and page faults at about a third of the step (docs/performance.md).
// Blocks of at least kHostCacheMinBytes go through a BlockCache (kernels/memory/block_cache.h, the same
// bookkeeping the CUDA allocator uses), so after the first step they come back from its free lists; smaller
// ones go straight to malloc, which already recycles them cheaply. The idle blocks are bounded: past the
// idle limit (1 GiB unless set) idle blocks are freed until the cache is back under it, so a program that
// asks for ever new sizes does not hoard memory.
#pragma once
#include <cstddef>

#include "kernels/memory/block_cache.h"

namespace untangle {

constexpr size_t kHostCacheMinBytes = size_t(64) << 10;

// `count` floats, uninitialised, 64-byte aligned; nullptr for count 0. Throws untangle::Error when out of
// memory.
float* host_allocate_floats(size_t count);
// Gives back a block from host_allocate_floats with the same count (null is ignored).
void host_release_floats(float* data, size_t count);

// The cache's figures (large blocks only): a test checks that a repeated step stops making blocks.
BlockCache::Statistics host_memory_statistics();
// Sets the idle limit in bytes (a test lowers it); returns the previous one.
size_t set_host_idle_limit(size_t bytes);

}  // namespace untangle
