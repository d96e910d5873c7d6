// The fused losses on the GPU: twins of kernels/cpu/losses.h (same functions, same formulas; device
// pointers, outputs stay on the device, asynchronous on cuda::stream()). Summed forms sum in double
// over the whole GPU in an order fixed by the size (two_pass_sum.cuh: the same bits every run).
#pragma once
#include <cstddef>

namespace untangle::cuda {

void mse_elementwise(const float* prediction, const float* target, float* loss, size_t n);
void mse_sum(const float* prediction, const float* target, size_t n, float scale, float* out);
void mse_backward(const float* prediction, const float* target, const float* gy, bool gy_per_element,
                  float scale, float* d_prediction, float* d_target, size_t n);

void bce_with_logits_elementwise(const float* logits, const float* targets, float* loss, size_t n);
void bce_with_logits_sum(const float* logits, const float* targets, size_t n, float scale, float* out);
void bce_with_logits_backward(const float* logits, const float* targets, const float* gy, bool gy_per_element,
                              float scale, float* d_logits, size_t n);

// mu, logvar: (rows, cols) -> out: (rows)
void gaussian_kl_forward(const float* mu, const float* logvar, int rows, int cols, float* out);
void gaussian_kl_backward(const float* mu, const float* logvar, const float* gy, int rows, int cols,
                          float* d_mu, float* d_logvar);

}  // namespace untangle::cuda
