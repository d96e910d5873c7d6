#include "nn/discriminator.h"

#include "core/check.h"

namespace untangle {

Discriminator::Discriminator(int latents, PhiloxRng& rng, int width, int hidden_layers, Initializer init) {
  require(width > 0 && hidden_layers >= 0, "discriminator: width and depth must be positive");
  int in = latents;
  for (int i = 0; i < hidden_layers; ++i) {
    layers_.emplace_back(in, width, rng, init);
    in = width;
  }
  layers_.emplace_back(in, 2, rng, init);
}

Tensor Discriminator::run(Tape& tape, const Tensor& z, bool frozen) const {
  Tensor h = z;  // (B, D)
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Linear& layer = layers_[i];
    h = frozen ? linear(tape, h, stop_gradient(layer.weight), stop_gradient(layer.bias))
               : layer.forward(tape, h);
    // tf.nn.leaky_relu's default slope is 0.2; the output layer stays linear (logits).
    if (i + 1 < layers_.size()) h = leaky_relu(tape, h, 0.2f);
  }
  return h;  // (B, 2)
}

Tensor Discriminator::forward(Tape& tape, const Tensor& z) const {
  return run(tape, z, false);
}
Tensor Discriminator::forward_frozen(Tape& tape, const Tensor& z) const {
  return run(tape, z, true);
}

void Discriminator::collect(ParameterList& parameters, const std::string& prefix) const {
  for (size_t i = 0; i < layers_.size(); ++i)
    layers_[i].collect(parameters,
                       prefix + (i + 1 < layers_.size() ? ".dense" + std::to_string(i + 1) : ".logits"));
}

Tensor discriminator_loss(Tape& tape, const Tensor& real_logits, const Tensor& permuted_logits) {
  // log p_k = logit_k - logsumexp(logits). (disentanglement_lib clips p to [1e-6, 1 - 1e-6] before the
  // log; that only matters for a discriminator sure to within 1e-6, and is left out here.)
  Tensor real_log_p0 = sub(tape, slice(tape, real_logits, 1, 0, 1), logsumexp(tape, real_logits, 1, true));
  Tensor permuted_log_p1 =
      sub(tape, slice(tape, permuted_logits, 1, 1, 2), logsumexp(tape, permuted_logits, 1, true));
  return scale(tape, add(tape, mean(tape, real_log_p0), mean(tape, permuted_log_p1)), -0.5f);
}

}  // namespace untangle
