// Layers: parameters plus a forward function. A layer owns its weight and bias tensors; `collect`
// adds them to a ParameterList under a prefix so optimisers and checkpoints can see them.
#pragma once
#include <string>

#include "autograd/ops.h"
#include "nn/init.h"
#include "nn/parameters.h"

namespace untangle {

// y = x W^T + b;  x: (B, in) -> (B, out);  W: (out, in), b: (out)
class Linear {
 public:
  Linear() = default;
  Linear(int in_features, int out_features, PhiloxRng& rng, Initializer init = Initializer::GlorotUniform);
  Tensor forward(Tape& tape, const Tensor& x) const { return linear(tape, x, weight, bias); }
  void collect(ParameterList& parameters, const std::string& prefix) const;
  Tensor weight, bias;
};

// The conv layers' fused ReLU, for short: conv.forward(tape, x, kFusedRelu) is relu(tape, conv.forward(tape,
// x)) in one op (autograd/ops.h).
constexpr OutputActivation kFusedRelu = OutputActivation::Relu;

// x: (N, C, H, W) -> (N, O, Ho, Wo);  W: (O, C, k, k), b: (O)
class Conv2d {
 public:
  Conv2d() = default;
  Conv2d(int in_channels, int out_channels, int kernel, int stride, int padding, PhiloxRng& rng,
         Initializer init = Initializer::GlorotUniform);
  // activation = OutputActivation::Relu: relu(forward(x)), the ReLU fused into the convolution (ops.h)
  Tensor forward(Tape& tape, const Tensor& x, OutputActivation activation = OutputActivation::None) const {
    return conv2d(tape, x, weight, bias, stride, padding, activation);
  }
  void collect(ParameterList& parameters, const std::string& prefix) const;
  Tensor weight, bias;
  int stride = 1, padding = 0;
};

// x: (N, C, H, W) -> (N, O, (H-1)*stride - 2*padding + k, ...);  W: (C, O, k, k), b: (O)
class ConvTranspose2d {
 public:
  ConvTranspose2d() = default;
  ConvTranspose2d(int in_channels, int out_channels, int kernel, int stride, int padding, PhiloxRng& rng,
                  Initializer init = Initializer::GlorotUniform);
  Tensor forward(Tape& tape, const Tensor& x, OutputActivation activation = OutputActivation::None) const {
    return conv_transpose2d(tape, x, weight, bias, stride, padding, activation);
  }
  void collect(ParameterList& parameters, const std::string& prefix) const;
  Tensor weight, bias;
  int stride = 1, padding = 0;
};

}  // namespace untangle
