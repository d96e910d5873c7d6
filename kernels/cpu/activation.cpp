#include "kernels/cpu/activation.h"

#include <algorithm>
#include <cmath>

namespace untangle {

const char* activation_name(Activation f) {
  switch (f) {
    case Activation::Relu: return "relu";
    case Activation::LeakyRelu: return "leaky_relu";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Tanh: return "tanh";
    case Activation::Exp: return "exp";
    case Activation::Log: return "log";
    case Activation::Softplus: return "softplus";
    case Activation::Abs: return "abs";
    case Activation::Square: return "square";
  }
  return "?";
}

namespace {

float forward_one(Activation f, float v, float slope) {
  switch (f) {
    case Activation::Relu: return v > 0.0f ? v : 0.0f;
    case Activation::LeakyRelu: return v > 0.0f ? v : slope * v;
    case Activation::Sigmoid: return 1.0f / (1.0f + std::exp(-v));
    case Activation::Tanh: return std::tanh(v);
    case Activation::Exp: return std::exp(v);
    case Activation::Log: return std::log(v);
    // log(1 + e^v) = max(v, 0) + log(1 + e^-|v|): never exponentiates a large positive number.
    case Activation::Softplus: return std::max(v, 0.0f) + std::log1p(std::exp(-std::abs(v)));
    case Activation::Abs: return std::abs(v);
    case Activation::Square: return v * v;
  }
  return 0.0f;
}

float derivative_one(Activation f, float v, float y, float slope) {
  switch (f) {
    case Activation::Relu: return v > 0.0f ? 1.0f : 0.0f;
    case Activation::LeakyRelu: return v > 0.0f ? 1.0f : slope;
    case Activation::Sigmoid: return y * (1.0f - y);
    case Activation::Tanh: return 1.0f - y * y;
    case Activation::Exp: return y;
    case Activation::Log: return 1.0f / v;
    case Activation::Softplus: return 1.0f / (1.0f + std::exp(-v));
    case Activation::Abs: return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f);  // 0 at 0
    case Activation::Square: return 2.0f * v;
  }
  return 0.0f;
}

}  // namespace

void activation_forward(Activation f, const float* x, float* y, size_t n, float slope) {
  for (size_t i = 0; i < n; ++i) y[i] = forward_one(f, x[i], slope);
}

void activation_backward(Activation f, const float* x, const float* y, const float* dy, float* dx, size_t n,
                         float slope) {
  for (size_t i = 0; i < n; ++i) dx[i] += dy[i] * derivative_one(f, x[i], y[i], slope);
}

}  // namespace untangle
