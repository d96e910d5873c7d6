#include "nn/layers.h"

namespace untangle {

namespace {
// Every layer here is a weight and a bias, both trained, both named under the layer's prefix.
void mark_trainable(const Tensor& weight, const Tensor& bias) {
  weight.set_requires_grad(true);
  bias.set_requires_grad(true);
}
void collect_weight_and_bias(ParameterList& parameters, const std::string& prefix, const Tensor& weight,
                             const Tensor& bias) {
  parameters.add(prefix + ".weight", weight);
  parameters.add(prefix + ".bias", bias);
}
}  // namespace

Linear::Linear(int in_features, int out_features, PhiloxRng& rng, Initializer init)
    : weight(Tensor::zeros({out_features, in_features})), bias(Tensor::zeros({out_features})) {
  initialize(weight, init, in_features, out_features, rng);
  mark_trainable(weight, bias);
}

void Linear::collect(ParameterList& parameters, const std::string& prefix) const {
  collect_weight_and_bias(parameters, prefix, weight, bias);
}

Conv2d::Conv2d(int in_channels, int out_channels, int kernel, int stride_, int padding_, PhiloxRng& rng,
               Initializer init)
    : weight(Tensor::zeros({out_channels, in_channels, kernel, kernel})),
      bias(Tensor::zeros({out_channels})),
      stride(stride_),
      padding(padding_) {
  initialize(weight, init, kernel * kernel * in_channels, kernel * kernel * out_channels, rng);
  mark_trainable(weight, bias);
}

void Conv2d::collect(ParameterList& parameters, const std::string& prefix) const {
  collect_weight_and_bias(parameters, prefix, weight, bias);
}

ConvTranspose2d::ConvTranspose2d(int in_channels, int out_channels, int kernel, int stride_, int padding_,
                                 PhiloxRng& rng, Initializer init)
    : weight(Tensor::zeros({in_channels, out_channels, kernel, kernel})),
      bias(Tensor::zeros({out_channels})),
      stride(stride_),
      padding(padding_) {
  // Glorot depends only on fan_in + fan_out, so TF's swapped fans for transposed kernels change nothing.
  initialize(weight, init, kernel * kernel * in_channels, kernel * kernel * out_channels, rng);
  mark_trainable(weight, bias);
}

void ConvTranspose2d::collect(ParameterList& parameters, const std::string& prefix) const {
  collect_weight_and_bias(parameters, prefix, weight, bias);
}

}  // namespace untangle
