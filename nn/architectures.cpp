#include "nn/architectures.h"

#include "core/check.h"

namespace untangle {

ConvEncoder::ConvEncoder(int channels, int latents, PhiloxRng& rng, Initializer init)
    : conv1_(channels, 32, 4, 2, 1, rng, init),
      conv2_(32, 32, 4, 2, 1, rng, init),
      conv3_(32, 64, 2, 2, 0, rng, init),
      conv4_(64, 64, 2, 2, 0, rng, init),
      dense_(1024, 256, rng, init),
      mean_head_(256, latents, rng, init),
      log_variance_head_(256, latents, rng, init) {}

GaussianCode ConvEncoder::forward(Tape& tape, const Tensor& x) const {
  require(x.rank() == 4 && x.dim(2) == 64 && x.dim(3) == 64,
          "conv encoder: expects (B, C, 64, 64) images, got ", shape_string(x.shape()));
  Tensor h = conv1_.forward(tape, x, kFusedRelu);          // (B, 32, 32, 32)
  h = conv2_.forward(tape, h, kFusedRelu);                 // (B, 32, 16, 16)
  h = conv3_.forward(tape, h, kFusedRelu);                 // (B, 64, 8, 8)
  h = conv4_.forward(tape, h, kFusedRelu);                 // (B, 64, 4, 4)
  h = relu(tape, dense_.forward(tape, flatten(tape, h)));  // (B, 256)
  return {mean_head_.forward(tape, h), log_variance_head_.forward(tape, h)};
}

void ConvEncoder::collect(ParameterList& parameters, const std::string& prefix) const {
  conv1_.collect(parameters, prefix + ".conv1");
  conv2_.collect(parameters, prefix + ".conv2");
  conv3_.collect(parameters, prefix + ".conv3");
  conv4_.collect(parameters, prefix + ".conv4");
  dense_.collect(parameters, prefix + ".dense");
  mean_head_.collect(parameters, prefix + ".mean");
  log_variance_head_.collect(parameters, prefix + ".log_variance");
}

DeconvDecoder::DeconvDecoder(int channels, int latents, PhiloxRng& rng, Initializer init)
    : dense1_(latents, 256, rng, init),
      dense2_(256, 1024, rng, init),
      deconv1_(64, 64, 4, 2, 1, rng, init),
      deconv2_(64, 32, 4, 2, 1, rng, init),
      deconv3_(32, 32, 4, 2, 1, rng, init),
      deconv4_(32, channels, 4, 2, 1, rng, init) {}

Tensor DeconvDecoder::forward(Tape& tape, const Tensor& z) const {
  Tensor h = relu(tape, dense1_.forward(tape, z));  // (B, 256)
  h = relu(tape, dense2_.forward(tape, h));         // (B, 1024)
  h = reshape(tape, h, {z.dim(0), 64, 4, 4});       // (B, 64, 4, 4)
  h = deconv1_.forward(tape, h, kFusedRelu);        // (B, 64, 8, 8)
  h = deconv2_.forward(tape, h, kFusedRelu);        // (B, 32, 16, 16)
  h = deconv3_.forward(tape, h, kFusedRelu);        // (B, 32, 32, 32)
  return deconv4_.forward(tape, h);                 // (B, C, 64, 64) logits
}

void DeconvDecoder::collect(ParameterList& parameters, const std::string& prefix) const {
  dense1_.collect(parameters, prefix + ".dense1");
  dense2_.collect(parameters, prefix + ".dense2");
  deconv1_.collect(parameters, prefix + ".deconv1");
  deconv2_.collect(parameters, prefix + ".deconv2");
  deconv3_.collect(parameters, prefix + ".deconv3");
  deconv4_.collect(parameters, prefix + ".deconv4");
}

}  // namespace untangle
