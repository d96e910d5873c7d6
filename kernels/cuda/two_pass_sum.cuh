// A sum over a whole array that uses the whole GPU and still gives the same bits every run.
//
// One block cannot keep a GPU busy: summing a 64 x 1 x 64 x 64 loss with one block leaves 131 of an H100's
// 132 multiprocessors idle. So long sums take two passes: kSliceBlocks blocks each add a fixed share of
// the terms (grid-stride, in double) into one partial, then one block adds the partials in a fixed tree.
// The shares depend on n alone, never on timing, so the order of every addition is fixed: no atomics.
// Short sums (n <= kOneBlockTerms) keep one block and one launch. A private header: .cu files only.
#pragma once
#include <cstddef>

#include "kernels/cuda/block_sum.cuh"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/memory.h"
#include "kernels/cuda/stream.h"

namespace untangle::cuda {

constexpr int kSliceBlocks = 256;
constexpr int kSliceThreads = 256;
constexpr size_t kOneBlockTerms = size_t(1) << 16;

// term(i) -> double for i < n: the thing summed (an element, a loss of one element, ...).
template <typename Term>
__global__ void one_block_sum(Term term, size_t n, float scale, float* out) {
  double total = 0.0;
  for (size_t i = threadIdx.x; i < n; i += blockDim.x) total += term(i);
  total = block_sum(total);
  if (threadIdx.x == 0) out[0] = float(total * scale);
}

template <typename Term>
__global__ void partial_sums(Term term, size_t n, double* partial) {
  double total = 0.0;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    total += term(i);
  total = block_sum(total);
  if (threadIdx.x == 0) partial[blockIdx.x] = total;
}

// Adds `count` partials (count <= blockDim.x) and writes scale * total. A template only so that every .cu
// including this header gets its own copy (a plain __global__ defined here would be defined twice).
template <int Unused = 0>
__global__ void finish_sum(const double* partial, int count, float scale, float* out) {
  const double total = block_sum(int(threadIdx.x) < count ? partial[threadIdx.x] : 0.0);
  if (threadIdx.x == 0) out[0] = float(total * scale);
}

// out[0] = scale * sum of term(i) for i < n (a device pointer; queued on cuda::stream()).
template <typename Term>
void sum_terms(Term term, size_t n, float scale, float* out, const char* op) {
  if (n <= kOneBlockTerms) {
    one_block_sum<<<1, kMaxBlockSumThreads, 0, stream()>>>(term, n, scale, out);
    UNTANGLE_CUDA_CHECK_LAUNCH(op);
    return;
  }
  const size_t bytes = kSliceBlocks * sizeof(double);
  double* partial = static_cast<double*>(allocate(bytes));
  partial_sums<<<kSliceBlocks, kSliceThreads, 0, stream()>>>(term, n, partial);
  UNTANGLE_CUDA_CHECK_LAUNCH(op);
  finish_sum<<<1, kSliceBlocks, 0, stream()>>>(partial, kSliceBlocks, scale, out);
  UNTANGLE_CUDA_CHECK_LAUNCH(op);
  release(partial, bytes);  // safe at once: whoever gets the block next queues after finish_sum
}

}  // namespace untangle::cuda
