// Elementwise functions y = f(x). Each is one forward formula and one derivative dy/dx, written in
// terms of x and y (whichever is cheaper: sigmoid' = y(1-y), exp' = y, ...).
#include <cmath>

#include "autograd/ops.h"
#include "kernels/cpu/parallel.h"

namespace untangle {

namespace {

// Loops are split over the cores only when each thread gets at least this many elements.
constexpr long long kMinPerThread = 1 << 14;

template <typename Forward, typename Derivative>
Tensor unary_op(Tape& tape, const char* name, const Tensor& x, Forward forward, Derivative derivative) {
  Tensor y = Tensor::zeros(x.shape());
  const float* px = x.data();
  float* py = y.data();
  const long long n = (long long)x.numel();
  parallel_for(n, [&](long long begin, long long end, int) {
    for (long long i = begin; i < end; ++i) py[i] = forward(px[i]);
  }, kMinPerThread);
  if (tape.needs_grad({&x})) {
    tape.record(name, y, [x, y, derivative]() {
      const float *px = x.data(), *py = y.data(), *gy = y.grad();
      float* gx = x.grad();
      const long long n = (long long)x.numel();
      parallel_for(n, [&](long long begin, long long end, int) {
        for (long long i = begin; i < end; ++i) gx[i] += gy[i] * derivative(px[i], py[i]);
      }, kMinPerThread);
    });
  }
  return y;
}

}  // namespace

Tensor relu(Tape& tape, const Tensor& x) {
  return unary_op(
      tape, "relu", x, [](float v) { return v > 0.0f ? v : 0.0f; },
      [](float v, float) { return v > 0.0f ? 1.0f : 0.0f; });
}

Tensor leaky_relu(Tape& tape, const Tensor& x, float slope) {
  return unary_op(
      tape, "leaky_relu", x, [slope](float v) { return v > 0.0f ? v : slope * v; },
      [slope](float v, float) { return v > 0.0f ? 1.0f : slope; });
}

Tensor sigmoid(Tape& tape, const Tensor& x) {
  return unary_op(
      tape, "sigmoid", x, [](float v) { return 1.0f / (1.0f + std::exp(-v)); },
      [](float, float y) { return y * (1.0f - y); });
}

Tensor tanh(Tape& tape, const Tensor& x) {
  return unary_op(
      tape, "tanh", x, [](float v) { return std::tanh(v); }, [](float, float y) { return 1.0f - y * y; });
}

Tensor exp(Tape& tape, const Tensor& x) {
  return unary_op(
      tape, "exp", x, [](float v) { return std::exp(v); }, [](float, float y) { return y; });
}

Tensor log(Tape& tape, const Tensor& x) {
  return unary_op(
      tape, "log", x, [](float v) { return std::log(v); }, [](float v, float) { return 1.0f / v; });
}

Tensor softplus(Tape& tape, const Tensor& x) {
  // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): never exponentiates a large positive number.
  return unary_op(
      tape, "softplus", x, [](float v) { return std::max(v, 0.0f) + std::log1p(std::exp(-std::abs(v))); },
      [](float v, float) { return 1.0f / (1.0f + std::exp(-v)); });
}

Tensor abs(Tape& tape, const Tensor& x) {
  return unary_op(
      tape, "abs", x, [](float v) { return std::abs(v); },
      [](float v, float) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f); });
}

Tensor square(Tape& tape, const Tensor& x) {
  return unary_op(
      tape, "square", x, [](float v) { return v * v; }, [](float v, float) { return 2.0f * v; });
}

}  // namespace untangle
