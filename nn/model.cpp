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

void Model::to(Device device) {
  const ParameterList all = parameters();  // a temporary's items() would dangle in the loop
  for (const NamedTensor& item : all.items()) item.tensor.move_to(device);
  device_ = device;
}

Tensor Model::reconstruct(Tape& tape, const Tensor& x) const {
  return output_to_image(tape, decode(tape, encode(tape, x).mean), settings_.reconstruction.kind);
}

TrainingLoss training_step(const Model& model, std::vector<Adam>& optimisers, const Batch& batch,
                           PhiloxRng& noise, long long step) {
  Tape tape;
  TrainingLoss loss = model.training_loss(tape, batch, noise, step);
  tape.backward(loss.objective);
  for (Adam& adam : optimisers) {
    adam.step();
    adam.zero_grad();
  }
  return loss;
}

Tensor logged_sum(const Tensor& a, const Tensor& b) {
  Tape untracked = Tape::evaluation();
  return add(untracked, a, b);
}

Tensor logged_value(double value) {
  return Tensor::scalar(float(value));
}

}  // namespace untangle
