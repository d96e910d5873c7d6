#include "kernels/cpu/activation.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels/cpu/parallel.h"

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
    case Activation::Erf: return "erf";
  }
  return "?";
}

namespace {

constexpr float kTwoOverSqrtPi = 1.12837916709551257f;  // erf'(x) = 2/sqrt(pi) e^{-x^2}

template <Activation F>
float forward_one(float v, float slope) {
  switch (F) {
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
    case Activation::Erf: return std::erf(v);
  }
  return 0.0f;
}

template <Activation F>
float derivative_one(float v, float y, float slope) {
  switch (F) {
    case Activation::Relu: return v > 0.0f ? 1.0f : 0.0f;
    case Activation::LeakyRelu: return v > 0.0f ? 1.0f : slope;
    case Activation::Sigmoid: return y * (1.0f - y);
    case Activation::Tanh: return 1.0f - y * y;
    case Activation::Exp: return y;
    case Activation::Log: return 1.0f / v;
    case Activation::Softplus: return 1.0f / (1.0f + std::exp(-v));
    case Activation::Abs: return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f);  // 0 at 0
    case Activation::Square: return 2.0f * v;
    case Activation::Erf: return kTwoOverSqrtPi * std::exp(-v * v);
  }
  return 0.0f;
}

// Loops are split over the cores only when each thread gets at least this many elements.
constexpr long long kMinPerThread = 1 << 14;

// One loop per function (F a template argument, so the switch above folds away at compile time).
template <Activation F>
void forward_loop(const float* x, float* y, size_t n, float slope) {
  parallel_for((long long)n,
               [&](long long begin, long long end, int) {
                 for (long long i = begin; i < end; ++i) y[i] = forward_one<F>(x[i], slope);
               },
               kMinPerThread);
}

template <Activation F>
void backward_loop(const float* x, const float* y, const float* dy, float* dx, size_t n, float slope,
                   bool accumulate) {
  parallel_for((long long)n,
               [&](long long begin, long long end, int) {
                 if (accumulate)
                   for (long long i = begin; i < end; ++i)
                     dx[i] += dy[i] * derivative_one<F>(x[i], y[i], slope);
                 else
                   for (long long i = begin; i < end; ++i)
                     dx[i] = dy[i] * derivative_one<F>(x[i], y[i], slope);
               },
               kMinPerThread);
}

// Calls loop(integral_constant<Activation, F>) for the runtime value f: the one switch per call.
template <typename Loop>
void with_activation(Activation f, Loop loop) {
  switch (f) {
    case Activation::Relu: return loop(std::integral_constant<Activation, Activation::Relu>{});
    case Activation::LeakyRelu: return loop(std::integral_constant<Activation, Activation::LeakyRelu>{});
    case Activation::Sigmoid: return loop(std::integral_constant<Activation, Activation::Sigmoid>{});
    case Activation::Tanh: return loop(std::integral_constant<Activation, Activation::Tanh>{});
    case Activation::Exp: return loop(std::integral_constant<Activation, Activation::Exp>{});
    case Activation::Log: return loop(std::integral_constant<Activation, Activation::Log>{});
    case Activation::Softplus: return loop(std::integral_constant<Activation, Activation::Softplus>{});
    case Activation::Abs: return loop(std::integral_constant<Activation, Activation::Abs>{});
    case Activation::Square: return loop(std::integral_constant<Activation, Activation::Square>{});
    case Activation::Erf: return loop(std::integral_constant<Activation, Activation::Erf>{});
  }
}

}  // namespace

void activation_forward(Activation f, const float* x, float* y, size_t n, float slope) {
  with_activation(f, [&](auto which) { forward_loop<decltype(which)::value>(x, y, n, slope); });
}

void activation_backward(Activation f, const float* x, const float* y, const float* dy, float* dx, size_t n,
                         float slope, bool accumulate) {
  with_activation(
      f, [&](auto which) { backward_loop<decltype(which)::value>(x, y, dy, dx, n, slope, accumulate); });
}

}  // namespace untangle
