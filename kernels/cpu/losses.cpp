#include "kernels/cpu/losses.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace untangle {

namespace {
float bce_one(float x, float t) {
  return std::max(x, 0.0f) - x * t + std::log1p(std::exp(-std::abs(x)));
}
// The cross-entropy's exp and log1p are worth two threads once a loop is this long (a batch of images).
constexpr long long kMinPerThread = 1 << 14;
}  // namespace

void mse_elementwise(const float* p, const float* t, float* loss, size_t n) {
  for (size_t i = 0; i < n; ++i) loss[i] = (p[i] - t[i]) * (p[i] - t[i]);
}

void mse_sum(const float* p, const float* t, size_t n, float scale, float* out) {
  double total = 0.0;
  for (size_t i = 0; i < n; ++i) total += (p[i] - t[i]) * (p[i] - t[i]);
  out[0] = float(total * scale);
}

void mse_backward(const float* p, const float* t, const float* gy, bool gy_per_element, float scale,
                  float* dp, float* dt, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float g = (gy_per_element ? gy[i] : gy[0]) * scale * 2.0f * (p[i] - t[i]);
    if (dp) dp[i] += g;
    if (dt) dt[i] -= g;
  }
}

void bce_with_logits_elementwise(const float* x, const float* t, float* loss, size_t n) {
  parallel_for((long long)n,
               [&](long long begin, long long end, int) {
                 for (long long i = begin; i < end; ++i) loss[i] = bce_one(x[i], t[i]);
               },
               kMinPerThread);
}

void bce_with_logits_sum(const float* x, const float* t, size_t n, float scale, float* out) {
  // sum of max(x, 0) - x t + log(1 + e^-|x|), in double, over fixed blocks of kProductBlock elements. A
  // block's log terms are added as the log of their product: one log1p per block instead of a log1pf call
  // per pixel, which was 3 % of the beta-VAE step at 1 channel and 8 % at 3 (docs/performance.md). The
  // product is carried as its excess over 1, q = prod(1 + e) - 1, updated as q += e (1 + q): a term of
  // e^-40 is then kept to double's relative precision (a product near 1 would round it away, and with it
  // the whole loss of a confident, correct reconstruction). Each factor is in [1, 2], so q < 2^256. The
  // blocks' sums are added in block order: the result does not depend on the thread count.
  constexpr size_t kProductBlock = 256;
  const size_t blocks = (n + kProductBlock - 1) / kProductBlock;
  std::vector<double> block_sums(blocks);
  parallel_for((long long)blocks,
               [&](long long first, long long last, int) {
                 for (size_t b = size_t(first); b < size_t(last); ++b) {
                   double linear = 0.0, excess = 0.0;
                   for (size_t i = b * kProductBlock; i < std::min(n, (b + 1) * kProductBlock); ++i) {
                     linear += std::max(double(x[i]), 0.0) - double(x[i]) * t[i];
                     excess += std::exp(-std::abs(x[i])) * (1.0 + excess);
                   }
                   block_sums[b] = linear + std::log1p(excess);
                 }
               },
               kMinPerThread / kProductBlock);
  double total = 0.0;
  for (double block_sum : block_sums) total += block_sum;
  out[0] = float(total * scale);
}

void bce_with_logits_backward(const float* x, const float* t, const float* gy, bool gy_per_element,
                              float scale, float* dx, size_t n) {
  parallel_for((long long)n,
               [&](long long begin, long long end, int) {
                 for (long long i = begin; i < end; ++i)
                   dx[i] +=
                       (gy_per_element ? gy[i] : gy[0]) * scale * (1.0f / (1.0f + std::exp(-x[i])) - t[i]);
               },
               kMinPerThread);
}

void gaussian_kl_forward(const float* mu, const float* logvar, int rows, int cols, float* out) {
  for (int r = 0; r < rows; ++r) {
    double total = 0.0;
    for (int j = 0; j < cols; ++j) {
      const float m = mu[size_t(r) * cols + j], lv = logvar[size_t(r) * cols + j];
      total += m * m + std::exp(lv) - lv - 1.0f;
    }
    out[r] = float(0.5 * total);
  }
}

void gaussian_kl_backward(const float* mu, const float* logvar, const float* gy, int rows, int cols,
                          float* d_mu, float* d_logvar) {
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < cols; ++j) {
      const size_t i = size_t(r) * cols + j;
      if (d_mu) d_mu[i] += gy[r] * mu[i];
      if (d_logvar) d_logvar[i] += gy[r] * 0.5f * (std::exp(logvar[i]) - 1.0f);
    }
}

}  // namespace untangle
