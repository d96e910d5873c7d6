// Weight initialisers. Fans follow TensorFlow's convention, which disentanglement_lib inherits:
// dense fan_in = inputs, fan_out = outputs; convolution fan_in = kh*kw*in_channels, fan_out =
// kh*kw*out_channels.
//   Glorot (Xavier) uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out))   — tf.layers' default
//   Xavier normal:           N(0, s^2), s = sqrt(2 / (fan_in + fan_out))  — disent's choice
// Biases start at zero.
#pragma once
#include <string>

#include "autograd/tensor.h"
#include "kernels/cpu/philox.h"

namespace untangle {

enum class Initializer { GlorotUniform, XavierNormal };
// "glorot_uniform" | "xavier_normal" (settings files and flags); an unknown name is an error.
std::string initializer_name(Initializer initializer);
Initializer initializer_from_name(const std::string& name);

void glorot_uniform(const Tensor& weight, int fan_in, int fan_out, PhiloxRng& rng);
void xavier_normal(const Tensor& weight, int fan_in, int fan_out, PhiloxRng& rng);
void initialize(const Tensor& weight, Initializer initializer, int fan_in, int fan_out, PhiloxRng& rng);

}  // namespace untangle
