// sum_all goes through two_pass_sum.cuh (the whole GPU, in a fixed order). Row reductions give each row
// its own block; column sums give each column its own thread, which walks down the rows (neighbouring
// threads read neighbouring columns: coalesced).
#include "kernels/cuda/block_sum.cuh"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/reduce.h"
#include "kernels/cuda/stream.h"
#include "kernels/cuda/two_pass_sum.cuh"

namespace untangle::cuda {

namespace {

constexpr int kRowThreads = 256;

struct Element {
  const float* x;
  __device__ double operator()(size_t i) const { return x[i]; }
};

__global__ void sum_rows_kernel(const float* x, int cols, float* out) {
  const float* row = x + size_t(blockIdx.x) * cols;
  double total = 0.0;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) total += row[c];
  total = block_sum(total);
  if (threadIdx.x == 0) out[blockIdx.x] = float(total);
}

__global__ void sum_columns_kernel(const float* x, int rows, int cols, float* out) {
  for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < cols; c += gridDim.x * blockDim.x) {
    double total = 0.0;
    for (int r = 0; r < rows; ++r) total += x[size_t(r) * cols + c];
    out[c] = float(total);
  }
}

__global__ void logsumexp_rows_kernel(const float* x, int cols, float* out) {
  const float* row = x + size_t(blockIdx.x) * cols;
  double largest = -INFINITY;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) largest = fmax(largest, double(row[c]));
  largest = block_max(largest);
  // As the CPU: the max is a float (the row's own element), exponents are taken in double.
  const float largest_float = float(largest);
  double total = 0.0;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) total += exp(double(row[c]) - largest_float);
  total = block_sum(total);
  // All -inf (or a +inf): the answer is that infinity (the formula would give NaN from inf - inf).
  if (threadIdx.x == 0)
    out[blockIdx.x] = isinf(largest_float) ? largest_float : float(largest_float + log(total));
}

// One thread per output (o, i), walking the reduced axis; neighbouring threads take neighbouring i, so
// their loads are coalesced whenever inner > 1 (with inner == 1 the row kernels above are used instead).
__global__ void sum_axis_kernel(const float* x, int outer, int length, int inner, float* out) {
  const size_t total = size_t(outer) * inner;
  for (size_t e = blockIdx.x * size_t(blockDim.x) + threadIdx.x; e < total;
       e += size_t(gridDim.x) * blockDim.x) {
    const float* first = x + (e / inner) * size_t(length) * inner + e % inner;
    double sum = 0.0;
    for (int l = 0; l < length; ++l) sum += first[size_t(l) * inner];
    out[e] = float(sum);
  }
}

__global__ void logsumexp_axis_kernel(const float* x, int outer, int length, int inner, float* out) {
  const size_t total = size_t(outer) * inner;
  for (size_t e = blockIdx.x * size_t(blockDim.x) + threadIdx.x; e < total;
       e += size_t(gridDim.x) * blockDim.x) {
    const float* first = x + (e / inner) * size_t(length) * inner + e % inner;
    float largest = first[0];
    for (int l = 1; l < length; ++l) largest = fmaxf(largest, first[size_t(l) * inner]);
    if (isinf(largest)) {  // all -inf, or a +inf: that infinity
      out[e] = largest;
      continue;
    }
    double sum = 0.0;
    for (int l = 0; l < length; ++l) sum += exp(double(first[size_t(l) * inner]) - largest);
    out[e] = float(largest + log(sum));
  }
}

// Backward passes: one thread per element of x.
__global__ void sum_axis_backward_kernel(const float* gy, int length, int inner, float factor, float* gx,
                                         size_t total) {
  for (size_t e = blockIdx.x * size_t(blockDim.x) + threadIdx.x; e < total;
       e += size_t(gridDim.x) * blockDim.x) {
    const size_t o = e / (size_t(length) * inner), i = e % inner;
    gx[e] += factor * gy[o * inner + i];
  }
}

__global__ void logsumexp_axis_backward_kernel(const float* x, const float* y, const float* gy, int length,
                                               int inner, float* gx, size_t total) {
  for (size_t e = blockIdx.x * size_t(blockDim.x) + threadIdx.x; e < total;
       e += size_t(gridDim.x) * blockDim.x) {
    const size_t out = (e / (size_t(length) * inner)) * inner + e % inner;
    gx[e] += gy[out] * expf(x[e] - y[out]);
  }
}

}  // namespace

void sum_all(const float* x, size_t n, float* out) {
  sum_terms(Element{x}, n, 1.0f, out, "cuda::sum_all");
}

void sum_rows(const float* x, int rows, int cols, float* out) {
  if (rows == 0) return;
  sum_rows_kernel<<<rows, kRowThreads, 0, stream()>>>(x, cols, out);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::sum_rows");
}

void sum_columns(const float* x, int rows, int cols, float* out) {
  if (cols == 0) return;
  sum_columns_kernel<<<blocks_for(size_t(cols)), kThreadsPerBlock, 0, stream()>>>(x, rows, cols, out);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::sum_columns");
}

void logsumexp_rows(const float* x, int rows, int cols, float* out) {
  if (rows == 0) return;
  logsumexp_rows_kernel<<<rows, kRowThreads, 0, stream()>>>(x, cols, out);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::logsumexp_rows");
}

void sum_axis(const float* x, int outer, int length, int inner, float* out) {
  if (inner == 1) return sum_rows(x, outer, length, out);
  if (size_t(outer) * inner == 0) return;
  sum_axis_kernel<<<blocks_for(size_t(outer) * inner), kThreadsPerBlock, 0, stream()>>>(x, outer, length,
                                                                                        inner, out);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::sum_axis");
}

void logsumexp_axis(const float* x, int outer, int length, int inner, float* out) {
  if (inner == 1) return logsumexp_rows(x, outer, length, out);
  if (size_t(outer) * inner == 0) return;
  logsumexp_axis_kernel<<<blocks_for(size_t(outer) * inner), kThreadsPerBlock, 0, stream()>>>(
      x, outer, length, inner, out);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::logsumexp_axis");
}

void sum_axis_backward(const float* gy, int outer, int length, int inner, float factor, float* gx) {
  const size_t total = size_t(outer) * length * inner;
  if (total == 0) return;
  sum_axis_backward_kernel<<<blocks_for(total), kThreadsPerBlock, 0, stream()>>>(gy, length, inner, factor,
                                                                                 gx, total);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::sum_axis_backward");
}

void logsumexp_axis_backward(const float* x, const float* y, const float* gy, int outer, int length,
                             int inner, float* gx) {
  const size_t total = size_t(outer) * length * inner;
  if (total == 0) return;
  logsumexp_axis_backward_kernel<<<blocks_for(total), kThreadsPerBlock, 0, stream()>>>(x, y, gy, length,
                                                                                       inner, gx, total);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::logsumexp_axis_backward");
}

}  // namespace untangle::cuda
