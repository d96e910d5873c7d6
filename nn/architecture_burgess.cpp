// disent's vae_conv64 encoder (nmichlo/disent, disent/model/ae/_vae_conv64.py); its
// decoder is the DeconvDecoder of architectures.cpp. It differs from disentanglement_lib's conv_encoder
// in its padding (p2 everywhere, hence the 1600-wide flatten), its kernel sizes (k4 for all four
// convs), its single 2D-wide code layer, and its init (Xavier normal).
#include "core/check.h"
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
  Tensor h = conv1_.forward(tape, x, kFusedRelu);          // (B, 32, 33, 33)
  h = conv2_.forward(tape, h, kFusedRelu);                 // (B, 32, 17, 17)
  h = conv3_.forward(tape, h, kFusedRelu);                 // (B, 64, 9, 9)
  h = conv4_.forward(tape, h, kFusedRelu);                 // (B, 64, 5, 5)
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

}  // namespace untangle
