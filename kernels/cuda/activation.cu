// One thread per element; the function is a kernel argument and the switch on it is the same for every
// thread, so it costs no divergence. The device math (expf, logf, tanhf, log1pf, erff) is accurate to a few
// ulp of the host's.
#include "kernels/cuda/activation.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/stream.h"

namespace untangle::cuda {

namespace {

__device__ float forward_one(Activation f, float v, float slope) {
  switch (f) {
    case Activation::Relu: return v > 0.0f ? v : 0.0f;
    case Activation::LeakyRelu: return v > 0.0f ? v : slope * v;
    case Activation::Sigmoid: return 1.0f / (1.0f + expf(-v));
    case Activation::Tanh: return tanhf(v);
    case Activation::Exp: return expf(v);
    case Activation::Log: return logf(v);
    case Activation::Softplus: return fmaxf(v, 0.0f) + log1pf(expf(-fabsf(v)));
    case Activation::Abs: return fabsf(v);
    case Activation::Square: return v * v;
    case Activation::Erf: return erff(v);
  }
  return 0.0f;
}

__device__ float derivative_one(Activation f, float v, float y, float slope) {
  switch (f) {
    case Activation::Relu: return v > 0.0f ? 1.0f : 0.0f;
    case Activation::LeakyRelu: return v > 0.0f ? 1.0f : slope;
    case Activation::Sigmoid: return y * (1.0f - y);
    case Activation::Tanh: return 1.0f - y * y;
    case Activation::Exp: return y;
    case Activation::Log: return 1.0f / v;
    case Activation::Softplus: return 1.0f / (1.0f + expf(-v));
    case Activation::Abs: return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f);
    case Activation::Square: return 2.0f * v;
    case Activation::Erf: return 1.12837916709551257f * expf(-v * v);  // 2/sqrt(pi) e^{-v^2}
  }
  return 0.0f;
}

__global__ void forward_kernel(Activation f, const float* x, float* y, size_t n, float slope) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    y[i] = forward_one(f, x[i], slope);
}

__global__ void backward_kernel(Activation f, const float* x, const float* y, const float* dy, float* dx,
                                size_t n, float slope, bool accumulate) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    const float gradient = dy[i] * derivative_one(f, x[i], y[i], slope);
    dx[i] = accumulate ? dx[i] + gradient : gradient;
  }
}

}  // namespace

void activation_forward(Activation f, const float* x, float* y, size_t n, float slope) {
  if (n == 0) return;
  forward_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(f, x, y, n, slope);
  UNTANGLE_CUDA_CHECK_LAUNCH(activation_name(f));
}

void activation_backward(Activation f, const float* x, const float* y, const float* dy, float* dx, size_t n,
                         float slope, bool accumulate) {
  if (n == 0) return;
  backward_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream()>>>(f, x, y, dy, dx, n, slope, accumulate);
  UNTANGLE_CUDA_CHECK_LAUNCH(activation_name(f));
}

}  // namespace untangle::cuda
