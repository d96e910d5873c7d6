// The fused losses of autograd/ops_loss.cpp as raw loops (GPU twin: kernels/cuda/losses.h). Each loss
// has an elementwise form, a summed form out[0] = scale * sum (scale 1 for a sum, 1/n for a mean), and a
// backward pass that adds into the gradients. In a backward pass the upstream gradient is per element
// (gy[i], after an elementwise loss) or one value (gy[0], after a summed loss); `scale` is the same
// factor the forward pass used.
#pragma once
#include <cstddef>

namespace untangle {

// (p - t)^2
void mse_elementwise(const float* prediction, const float* target, float* loss, size_t n);
void mse_sum(const float* prediction, const float* target, size_t n, float scale, float* out);
// g = gy * scale * 2 (p - t);  d_prediction += g, d_target -= g (either may be null)
void mse_backward(const float* prediction, const float* target, const float* gy, bool gy_per_element,
                  float scale, float* d_prediction, float* d_target, size_t n);

// Binary cross-entropy of sigmoid(x) against t in [0, 1]: max(x, 0) - x t + log(1 + e^-|x|).
void bce_with_logits_elementwise(const float* logits, const float* targets, float* loss, size_t n);
void bce_with_logits_sum(const float* logits, const float* targets, size_t n, float scale, float* out);
// d_logits += gy * scale * (sigmoid(x) - t)
void bce_with_logits_backward(const float* logits, const float* targets, const float* gy, bool gy_per_element,
                              float scale, float* d_logits, size_t n);

// KL(N(mu, exp(logvar)) || N(0, I)) per row: mu, logvar: (rows, cols) -> out: (rows),
// 0.5 * sum_j (mu_j^2 + exp(logvar_j) - logvar_j - 1).
void gaussian_kl_forward(const float* mu, const float* logvar, int rows, int cols, float* out);
// d_mu += gy[r] mu, d_logvar += gy[r] (exp(logvar) - 1) / 2 (either may be null)
void gaussian_kl_backward(const float* mu, const float* logvar, const float* gy, int rows, int cols,
                          float* d_mu, float* d_logvar);

}  // namespace untangle
