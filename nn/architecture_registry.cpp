// Architectures by name: the table the model settings' `architecture` string is looked up in.
#include "core/check.h"
#include "nn/architectures.h"

namespace untangle {

namespace {

void require_64x64(const std::string& name, const NetworkShape& shape) {
  require(shape.height == 64 && shape.width == 64, "architecture '", name, "' needs 64x64 images, got ",
          shape.height, "x", shape.width, " (use 'fc' or 'linear' for other sizes)");
}

std::string known_names() {
  std::string all;
  for (const std::string& n : architecture_names()) all += (all.empty() ? "" : ", ") + n;
  return all;
}

}  // namespace

std::vector<std::string> architecture_names() {
  return {"conv", "burgess", "fc", "linear"};
}

std::unique_ptr<Encoder> make_encoder(const std::string& name, const NetworkShape& shape, PhiloxRng& rng,
                                      Initializer init) {
  require(shape.channels > 0 && shape.latents > 0, "make_encoder: channels and latents must be positive");
  if (name == "conv" || name == "burgess") require_64x64(name, shape);
  if (name == "conv") return std::make_unique<ConvEncoder>(shape.channels, shape.latents, rng, init);
  if (name == "burgess") return std::make_unique<BurgessEncoder>(shape.channels, shape.latents, rng, init);
  if (name == "fc") return std::make_unique<FcEncoder>(shape, rng, init);
  if (name == "linear") return std::make_unique<LinearEncoder>(shape, rng, init);
  fail("unknown architecture '", name, "' (known: ", known_names(), ")");
}

std::unique_ptr<Decoder> make_decoder(const std::string& name, const NetworkShape& shape, PhiloxRng& rng,
                                      Initializer init) {
  require(shape.channels > 0 && shape.latents > 0, "make_decoder: channels and latents must be positive");
  if (name == "conv" || name == "burgess") require_64x64(name, shape);
  if (name == "conv") return std::make_unique<DeconvDecoder>(shape.channels, shape.latents, rng, init);
  if (name == "burgess") return std::make_unique<DeconvDecoder>(shape.channels, shape.latents, rng, init);
  if (name == "fc") return std::make_unique<FcDecoder>(shape, rng, init);
  if (name == "linear") return std::make_unique<LinearDecoder>(shape, rng, init);
  fail("unknown architecture '", name, "' (known: ", known_names(), ")");
}

}  // namespace untangle
