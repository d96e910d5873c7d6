// Each loss is written once as a per-element __device__ function; the elementwise, summed and backward
// kernels are loops around it.
#include "kernels/cuda/block_sum.cuh"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/losses.h"
#include "kernels/cuda/stream.h"
#include "kernels/cuda/two_pass_sum.cuh"

namespace untangle::cuda {

namespace {

constexpr int kRowThreads = 128;  // latent tables are narrow (10 to a few hundred columns)

struct SquaredError {
  __device__ float operator()(float p, float t) const { return (p - t) * (p - t); }
};
struct BinaryCrossEntropyWithLogits {
  // max(x, 0) - x t + log(1 + e^-|x|): overflow-free for any x.
  __device__ float operator()(float x, float t) const {
    return fmaxf(x, 0.0f) - x * t + log1pf(expf(-fabsf(x)));
  }
};

template <typename Loss>
__global__ void elementwise_kernel(Loss loss, const float* a, const float* b, float* out, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    out[i] = loss(a[i], b[i]);
}

// The loss of element i, as a term of two_pass_sum.cuh's sums.
template <typename Loss>
struct LossTerm {
  Loss loss;
  const float* a;
  const float* b;
  __device__ double operator()(size_t i) const { return loss(a[i], b[i]); }
};

__global__ void mse_backward_kernel(const float* p, const float* t, const float* gy, bool gy_per_element,
                                    float scale, float* dp, float* dt, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    const float g = (gy_per_element ? gy[i] : gy[0]) * scale * 2.0f * (p[i] - t[i]);
    if (dp) dp[i] += g;
    if (dt) dt[i] -= g;
  }
}

__global__ void bce_backward_kernel(const float* x, const float* t, const float* gy, bool gy_per_element,
                                    float scale, float* dx, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    dx[i] += (gy_per_element ? gy[i] : gy[0]) * scale * (1.0f / (1.0f + expf(-x[i])) - t[i]);
}

// One block per row.
__global__ void gaussian_kl_forward_kernel(const float* mu, const float* logvar, int cols, float* out) {
  const size_t row = size_t(blockIdx.x) * cols;
  double total = 0.0;
  for (int j = threadIdx.x; j < cols; j += blockDim.x) {
    const float m = mu[row + j], lv = logvar[row + j];
    total += m * m + expf(lv) - lv - 1.0f;
  }
  total = block_sum(total);
  if (threadIdx.x == 0) out[blockIdx.x] = float(0.5 * total);
}

__global__ void gaussian_kl_backward_kernel(const float* mu, const float* logvar, const float* gy, int cols,
                                            size_t n, float* d_mu, float* d_logvar) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    const float g = gy[i / cols];
    if (d_mu) d_mu[i] += g * mu[i];
    if (d_logvar) d_logvar[i] += g * 0.5f * (expf(logvar[i]) - 1.0f);
  }
}

}  // namespace

void mse_elementwise(const float* p, const float* t, float* loss, size_t n) {
  if (n == 0) return;
  elementwise_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(SquaredError{}, p, t, loss, n);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::mse_elementwise");
}

void mse_sum(const float* p, const float* t, size_t n, float scale, float* out) {
  sum_terms(LossTerm<SquaredError>{SquaredError{}, p, t}, n, scale, out, "cuda::mse_sum");
}

void mse_backward(const float* p, const float* t, const float* gy, bool gy_per_element, float scale,
                  float* dp, float* dt, size_t n) {
  if (n == 0) return;
  mse_backward_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(p, t, gy, gy_per_element, scale, dp,
                                                                        dt, n);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::mse_backward");
}

void bce_with_logits_elementwise(const float* x, const float* t, float* loss, size_t n) {
  if (n == 0) return;
  elementwise_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(BinaryCrossEntropyWithLogits{}, x, t,
                                                                       loss, n);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::bce_with_logits_elementwise");
}

void bce_with_logits_sum(const float* x, const float* t, size_t n, float scale, float* out) {
  sum_terms(LossTerm<BinaryCrossEntropyWithLogits>{BinaryCrossEntropyWithLogits{}, x, t}, n, scale, out,
            "cuda::bce_with_logits_sum");
}

void bce_with_logits_backward(const float* x, const float* t, const float* gy, bool gy_per_element,
                              float scale, float* dx, size_t n) {
  if (n == 0) return;
  bce_backward_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(x, t, gy, gy_per_element, scale, dx,
                                                                        n);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::bce_with_logits_backward");
}

void gaussian_kl_forward(const float* mu, const float* logvar, int rows, int cols, float* out) {
  if (rows == 0) return;
  gaussian_kl_forward_kernel<<<rows, kRowThreads, 0, stream()>>>(mu, logvar, cols, out);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::gaussian_kl_forward");
}

void gaussian_kl_backward(const float* mu, const float* logvar, const float* gy, int rows, int cols,
                          float* d_mu, float* d_logvar) {
  const size_t n = size_t(rows) * cols;
  if (n == 0) return;
  gaussian_kl_backward_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(mu, logvar, gy, cols, n, d_mu,
                                                                                d_logvar);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::gaussian_kl_backward");
}

}  // namespace untangle::cuda
