// Elementwise functions y = f(x) and their backward passes dx (+)= dy * f'(x), as raw loops over arrays:
// the kernel-level twins of autograd/ops_activation.cpp's ops (same formulas), with kernels/cuda/activation.h
// as the GPU side. The derivative is written through x or y, whichever is cheaper (sigmoid' = y (1 - y)).
#pragma once
#include <cstddef>

namespace untangle {

enum class Activation { Relu, LeakyRelu, Sigmoid, Tanh, Exp, Log, Softplus, Abs, Square, Erf };
const char* activation_name(Activation f);

// What a convolution applies to each output as it stores it, after the bias (kernels/cpu/conv2d.h):
// nothing, or ReLU. Fused into the store, the ReLU saves the pass over memory that a separate ReLU makes
// (docs/performance.md); its gradient can be taken from the output alone (y > 0 exactly where the
// pre-activation is).
enum class OutputActivation { None, Relu };

// x, y: n floats. `slope` is leaky_relu's negative slope (ignored by the others).
void activation_forward(Activation f, const float* x, float* y, size_t n, float slope = 0.2f);
// dx[i] += dy[i] * f'(x[i]), given x and y = f(x): it adds, as gradients accumulate. With accumulate =
// false it writes dx[i] = dy[i] * f'(x[i]) instead (x's first gradient: no zero-filled buffer to add to).
void activation_backward(Activation f, const float* x, const float* y, const float* dy, float* dx, size_t n,
                         float slope = 0.2f, bool accumulate = true);

}  // namespace untangle
