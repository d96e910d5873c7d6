#include "nn/layers.h"

namespace untangle {

Linear::Linear(int in_features, int out_features, PhiloxRng& rng, Initializer init)
    : weight(Tensor::zeros({out_features, in_features})), bias(Tensor::zeros({out_features})) {
  initialize(weight, init, in_features, out_features, rng);
  weight.set_requires_grad(true);
  bias.set_requires_grad(true);
}

void Linear::collect(ParameterList& parameters, const std::string& prefix) const {
  parameters.add(prefix + ".weight", weight);
  parameters.add(prefix + ".bias", bias);
}

Conv2d::Conv2d(int in_channels, int out_channels, int kernel, int stride_, int padding_, PhiloxRng& rng,
               Initializer init)
    : weight(Tensor::zeros({out_channels, in_channels, kernel, kernel})),
      bias(Tensor::zeros({out_channels})),
      stride(stride_),
      padding(padding_) {
  initialize(weight, init, kernel * kernel * in_channels, kernel * kernel * out_channels, rng);
  weight.set_requires_grad(true);
  bias.set_requires_grad(true);
}

void Conv2d::collect(ParameterList& parameters, const std::string& prefix) const {
  parameters.add(prefix + ".weight", weight);
  parameters.add(prefix + ".bias", bias);
}

ConvTranspose2d::ConvTranspose2d(int in_channels, int out_channels, int kernel, int stride_, int padding_,
                                 PhiloxRng& rng, Initializer init)
    : weight(Tensor::zeros({in_channels, out_channels, kernel, kernel})),
      bias(Tensor::zeros({out_channels})),
      stride(stride_),
      padding(padding_) {
  // Glorot depends only on fan_in + fan_out, so TF's swapped fans for transposed kernels change nothing.
  initialize(weight, init, kernel * kernel * in_channels, kernel * kernel * out_channels, rng);
  weight.set_requires_grad(true);
  bias.set_requires_grad(true);
}

void ConvTranspose2d::collect(ParameterList& parameters, const std::string& prefix) const {
  parameters.add(prefix + ".weight", weight);
  parameters.add(prefix + ".bias", bias);
}

}  // namespace untangle
