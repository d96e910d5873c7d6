// The parts every model shares: building the encoder and decoder from the settings, the parameter
// groups, and evaluation-time reconstruction.
#include "nn/model.h"

#include "kernels/check.h"

namespace untangle {

Model::Model(const ModelSettings& settings, PhiloxRng& rng) : settings_(settings) {
  require(settings.latents > 0, "model '", settings.model, "': latents must be positive, got ",
          settings.latents);
  const NetworkShape shape{settings.channels, settings.height, settings.width, settings.latents};
  encoder_ = make_encoder(settings.architecture, shape, rng, settings.initializer);
  decoder_ = make_decoder(settings.architecture, shape, rng, settings.initializer);
}

std::vector<ParameterGroup> Model::parameter_groups() const {
  ParameterList list;
  encoder_->collect(list, "encoder");
  decoder_->collect(list, "decoder");
  return {{"model", list, settings_.optimizer}};
}

ParameterList Model::parameters() const {
  ParameterList all;
  for (const ParameterGroup& group : parameter_groups()) all.append(group.parameters);
  return all;
}

Tensor Model::reconstruct(Tape& tape, const Tensor& x) const {
  return output_to_image(tape, decode(tape, encode(tape, x).mean), settings_.reconstruction.kind);
}

}  // namespace untangle
