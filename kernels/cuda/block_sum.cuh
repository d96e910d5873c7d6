// Sum of one double per thread over a whole block, in a fixed tree order, so a reduction gives the same
// bits every run (no atomics). blockDim.x must be a power of two no larger than kMaxBlockSumThreads.
// Every thread of the block must call it; thread 0 receives the total.
#pragma once

namespace untangle::cuda {

constexpr int kMaxBlockSumThreads = 1024;

__device__ inline double block_sum(double value) {
  __shared__ double partial[kMaxBlockSumThreads];
  partial[threadIdx.x] = value;
  __syncthreads();
  for (int width = blockDim.x / 2; width > 0; width /= 2) {
    if (int(threadIdx.x) < width) partial[threadIdx.x] += partial[threadIdx.x + width];
    __syncthreads();
  }
  const double total = partial[0];
  __syncthreads();  // the array may be reused by a second call in the same kernel
  return total;
}

__device__ inline double block_max(double value) {
  __shared__ double partial[kMaxBlockSumThreads];
  partial[threadIdx.x] = value;
  __syncthreads();
  for (int width = blockDim.x / 2; width > 0; width /= 2) {
    if (int(threadIdx.x) < width)
      partial[threadIdx.x] = fmax(partial[threadIdx.x], partial[threadIdx.x + width]);
    __syncthreads();
  }
  const double largest = partial[0];
  __syncthreads();
  return largest;
}

}  // namespace untangle::cuda
