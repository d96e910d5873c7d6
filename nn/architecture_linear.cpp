// The linear encoder and decoder of the linear VAE (Zietlow et al. 2021, §4.1 and Theorem 1: a VAE with
// linear maps each way, trained on a Gaussian (L2) reconstruction loss, recovers PCA's axes, aligned).
// The paper writes mu = M_E x and Dec(z) = M_D z for zero-mean data; the biases here let the model
// absorb a data mean, and the log-variance is a second linear map of x.
#include "core/check.h"
#include "nn/architectures.h"

namespace untangle {

namespace {
int pixels(const NetworkShape& s) {
  return s.channels * s.height * s.width;
}
}  // namespace

LinearEncoder::LinearEncoder(const NetworkShape& shape, PhiloxRng& rng, Initializer init)
    : mean_(pixels(shape), shape.latents, rng, init),
      log_variance_(pixels(shape), shape.latents, rng, init) {}

GaussianCode LinearEncoder::forward(Tape& tape, const Tensor& x) const {
  require(x.rank() == 4 && size_t(x.numel() / size_t(x.dim(0))) == size_t(mean_.weight.dim(1)),
          "linear encoder: expects (B, C, H, W) images with ", mean_.weight.dim(1), " values each, got ",
          shape_string(x.shape()));
  Tensor flat = flatten(tape, x);  // (B, C*H*W)
  return {mean_.forward(tape, flat), log_variance_.forward(tape, flat)};
}

void LinearEncoder::collect(ParameterList& parameters, const std::string& prefix) const {
  mean_.collect(parameters, prefix + ".mean");
  log_variance_.collect(parameters, prefix + ".log_variance");
}

LinearDecoder::LinearDecoder(const NetworkShape& shape, PhiloxRng& rng, Initializer init)
    : shape_(shape), output_(shape.latents, pixels(shape), rng, init) {}

Tensor LinearDecoder::forward(Tape& tape, const Tensor& z) const {
  return reshape(tape, output_.forward(tape, z), {z.dim(0), shape_.channels, shape_.height, shape_.width});
}

void LinearDecoder::collect(ParameterList& parameters, const std::string& prefix) const {
  output_.collect(parameters, prefix + ".output");
}

}  // namespace untangle
