// disentanglement_lib's fully connected encoder and decoder (methods/shared/architectures.py fc_encoder,
// fc_decoder; docs/models.md). The decoder's tanh hidden layers are as in
// the reference (the study itself never used the fc pair).
#include "core/check.h"
#include "nn/architectures.h"

namespace untangle {

namespace {
int pixels(const NetworkShape& s) {
  return s.channels * s.height * s.width;
}
}  // namespace

FcEncoder::FcEncoder(const NetworkShape& shape, PhiloxRng& rng, Initializer init)
    : dense1_(pixels(shape), 1200, rng, init),
      dense2_(1200, 1200, rng, init),
      mean_head_(1200, shape.latents, rng, init),
      log_variance_head_(1200, shape.latents, rng, init) {}

GaussianCode FcEncoder::forward(Tape& tape, const Tensor& x) const {
  require(x.rank() == 4 && size_t(x.numel() / size_t(x.dim(0))) == size_t(dense1_.weight.dim(1)),
          "fc encoder: expects (B, C, H, W) images with ", dense1_.weight.dim(1), " values each, got ",
          shape_string(x.shape()));
  Tensor h = relu(tape, dense1_.forward(tape, flatten(tape, x)));  // (B, 1200)
  h = relu(tape, dense2_.forward(tape, h));                        // (B, 1200)
  return {mean_head_.forward(tape, h), log_variance_head_.forward(tape, h)};
}

void FcEncoder::collect(ParameterList& parameters, const std::string& prefix) const {
  dense1_.collect(parameters, prefix + ".dense1");
  dense2_.collect(parameters, prefix + ".dense2");
  mean_head_.collect(parameters, prefix + ".mean");
  log_variance_head_.collect(parameters, prefix + ".log_variance");
}

FcDecoder::FcDecoder(const NetworkShape& shape, PhiloxRng& rng, Initializer init)
    : shape_(shape),
      dense1_(shape.latents, 1200, rng, init),
      dense2_(1200, 1200, rng, init),
      dense3_(1200, 1200, rng, init),
      output_(1200, pixels(shape), rng, init) {}

Tensor FcDecoder::forward(Tape& tape, const Tensor& z) const {
  Tensor h = tanh(tape, dense1_.forward(tape, z));  // (B, 1200)
  h = tanh(tape, dense2_.forward(tape, h));         // (B, 1200)
  h = tanh(tape, dense3_.forward(tape, h));         // (B, 1200)
  return reshape(tape, output_.forward(tape, h), {z.dim(0), shape_.channels, shape_.height, shape_.width});
}

void FcDecoder::collect(ParameterList& parameters, const std::string& prefix) const {
  dense1_.collect(parameters, prefix + ".dense1");
  dense2_.collect(parameters, prefix + ".dense2");
  dense3_.collect(parameters, prefix + ".dense3");
  output_.collect(parameters, prefix + ".output");
}

}  // namespace untangle
