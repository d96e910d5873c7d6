// Elementwise functions on the GPU: twins of kernels/cpu/activation.h (same Activation list, same
// formulas, device pointers, asynchronous on cuda::stream()).
#pragma once
#include <cstddef>

#include "kernels/cpu/activation.h"

namespace untangle::cuda {

void activation_forward(Activation f, const float* x, float* y, size_t n, float slope = 0.2f);
// dx[i] += dy[i] * f'(x[i]), or = with accumulate = false
void activation_backward(Activation f, const float* x, const float* y, const float* dy, float* dx, size_t n,
                         float slope = 0.2f, bool accumulate = true);

}  // namespace untangle::cuda
