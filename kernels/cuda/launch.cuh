// Launch arithmetic shared by the kernels in this folder (a private header: .cuh, included by .cu only).
#pragma once
#include <cstddef>

namespace untangle::cuda {

constexpr int kThreadsPerBlock = 256;

// Blocks for a one-thread-per-element launch; capped because grid-stride loops cover the rest.
inline unsigned blocks_for(size_t count, int threads = kThreadsPerBlock) {
  size_t blocks = (count + size_t(threads) - 1) / size_t(threads);
  if (blocks < 1) blocks = 1;
  if (blocks > 65535 * 8) blocks = 65535 * 8;
  return unsigned(blocks);
}

}  // namespace untangle::cuda
