// The parts every model shares: building the encoder and decoder from the settings, the parameter
// groups, and evaluation-time reconstruction.
#include "nn/model.h"

#include "core/check.h"

namespace untangle {

Model::Model(const ModelSettings& settings, PhiloxRng& rng)
    : Model(settings, rng, Networks::EncoderAndDecoder) {}

Model::Model(const ModelSettings& settings, PhiloxRng& rng, Networks networks) : settings_(settings) {
  require(settings.latents > 0, "model '", settings.model, "': latents must be positive, got ",
          settings.latents);
  const NetworkShape shape{settings.channels, settings.height, settings.width, settings.latents};
  if (networks != Networks::None)
    encoder_ = make_encoder(settings.architecture, shape, rng, settings.initializer);
  if (networks == Networks::EncoderAndDecoder)
    decoder_ = make_decoder(settings.architecture, shape, rng, settings.initializer);
}

std::vector<ParameterGroup> Model::parameter_groups() const {
  ParameterList list;
  encoder_->collect(list, "encoder");
  if (decoder_) decoder_->collect(list, "decoder");
  return {{"model", list, settings_.optimizer}};
}

ParameterList Model::parameters() const {
  ParameterList all;
  for (const ParameterGroup& group : parameter_groups()) all.append(group.parameters);
  return all;
}

ParameterList Model::checkpointed_tensors() const {
  ParameterList all = parameters();
  all.append(buffers());
  return all;
}

void Model::to(Device device) {
  const ParameterList all = checkpointed_tensors();  // a temporary's items() would dangle in the loop
  for (const NamedTensor& item : all.items()) item.tensor.move_to(device);
  device_ = device;
}

Tensor Model::decode(Tape& tape, const Tensor& z) const {
  require(decoder_ != nullptr, "model '", settings_.model, "' has no decoder");
  return decoder_->forward(tape, z.to(device_));
}

Tensor Model::reconstruct(Tape& tape, const Tensor& x) const {
  return output_to_image(tape, decode(tape, encode(tape, x).mean), settings_.reconstruction.kind);
}

TrainingLoss Model::train_step(std::vector<Adam>& optimisers, const Batch& batch, PhiloxRng& rng,
                               long long step) const {
  Tape tape;
  TrainingLoss loss = training_loss(tape, batch, rng, step);
  tape.backward(loss.objective);
  for (Adam& adam : optimisers) {
    adam.step();
    adam.zero_grad();
  }
  return loss;
}

Tensor Model::prior_log_density(Tape& tape, const Tensor& z) const {
  // -0.5 (z^2 + log 2 pi)
  return scale(tape, add_scalar(tape, square(tape, z), 1.8378770664093453f), -0.5f);
}

TrainingLoss training_step(const Model& model, std::vector<Adam>& optimisers, const Batch& batch,
                           PhiloxRng& noise, long long step) {
  return model.train_step(optimisers, batch, noise, step);
}

Tensor logged_sum(const Tensor& a, const Tensor& b) {
  Tape untracked = Tape::evaluation();
  return add(untracked, a, b);
}

Tensor logged_value(double value) {
  return Tensor::scalar(float(value));
}

}  // namespace untangle
