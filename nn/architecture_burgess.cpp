// disent's vae_conv64 encoder and decoder (disent/model/ae/_vae_conv64.py; ../shared/reference/disent.md
// §7). Differs from disentanglement_lib's conv_encoder in its padding (p2 everywhere, hence the 1600-wide
// flatten), its kernel sizes (k4 for all four convs), its single 2D-wide code layer, and its init
// (Xavier normal).
#include "kernels/check.h"
#include "nn/architectures.h"

namespace untangle {

BurgessEncoder::BurgessEncoder(int channels, int latents, PhiloxRng& rng, Initializer init)
    : latents_(latents),
      conv1_(channels, 32, 4, 2, 2, rng, init),
      conv2_(32, 32, 4, 2, 2, rng, init),
      conv3_(32, 64, 4, 2, 2, rng, init),
      conv4_(64, 64, 4, 2, 2, rng, init),
      dense_(1600, 256, rng, init),
      code_(256, 2 * latents, rng, init) {}

GaussianCode BurgessEncoder::forward(Tape& tape, const Tensor& x) const {
  require(x.rank() == 4 && x.dim(2) == 64 && x.dim(3) == 64,
          "burgess encoder: expects (B, C, 64, 64) images, got ", shape_string(x.shape()));
  Tensor h = relu(tape, conv1_.forward(tape, x));          // (B, 32, 33, 33)
  h = relu(tape, conv2_.forward(tape, h));                 // (B, 32, 17, 17)
  h = relu(tape, conv3_.forward(tape, h));                 // (B, 64, 9, 9)
  h = relu(tape, conv4_.forward(tape, h));                 // (B, 64, 5, 5)
  h = relu(tape, dense_.forward(tape, flatten(tape, h)));  // (B, 256)
  Tensor code = code_.forward(tape, h);                    // (B, 2D) = [mean | log-variance]
  return {slice(tape, code, 1, 0, latents_), slice(tape, code, 1, latents_, 2 * latents_)};
}

void BurgessEncoder::collect(ParameterList& parameters, const std::string& prefix) const {
  conv1_.collect(parameters, prefix + ".conv1");
  conv2_.collect(parameters, prefix + ".conv2");
  conv3_.collect(parameters, prefix + ".conv3");
  conv4_.collect(parameters, prefix + ".conv4");
  dense_.collect(parameters, prefix + ".dense");
  code_.collect(parameters, prefix + ".code");
}

BurgessDecoder::BurgessDecoder(int channels, int latents, PhiloxRng& rng, Initializer init)
    : dense1_(latents, 256, rng, init),
      dense2_(256, 1024, rng, init),
      deconv1_(64, 64, 4, 2, 1, rng, init),
      deconv2_(64, 32, 4, 2, 1, rng, init),
      deconv3_(32, 32, 4, 2, 1, rng, init),
      deconv4_(32, channels, 4, 2, 1, rng, init) {}

Tensor BurgessDecoder::forward(Tape& tape, const Tensor& z) const {
  Tensor h = relu(tape, dense1_.forward(tape, z));  // (B, 256)
  h = relu(tape, dense2_.forward(tape, h));         // (B, 1024)
  h = reshape(tape, h, {z.dim(0), 64, 4, 4});       // (B, 64, 4, 4)
  h = relu(tape, deconv1_.forward(tape, h));        // (B, 64, 8, 8)
  h = relu(tape, deconv2_.forward(tape, h));        // (B, 32, 16, 16)
  h = relu(tape, deconv3_.forward(tape, h));        // (B, 32, 32, 32)
  return deconv4_.forward(tape, h);                 // (B, C, 64, 64), no output activation
}

void BurgessDecoder::collect(ParameterList& parameters, const std::string& prefix) const {
  dense1_.collect(parameters, prefix + ".dense1");
  dense2_.collect(parameters, prefix + ".dense2");
  deconv1_.collect(parameters, prefix + ".deconv1");
  deconv2_.collect(parameters, prefix + ".deconv2");
  deconv3_.collect(parameters, prefix + ".deconv3");
  deconv4_.collect(parameters, prefix + ".deconv4");
}

}  // namespace untangle
