// FactorVAE's discriminator (Kim & Mnih 2018, App. A; disentanglement_lib fc_discriminator,
// docs/models.md): it tells codes drawn from
// q(z) (class 0, "real") from codes whose dimensions were permuted independently across the batch
// (class 1, a sample of prod_j q(z_j)).
//   z (B, D) -> [dense 1000, leaky ReLU 0.2] x 6 -> dense 2 = logits (B, 2)
// Width and depth are settings so tests can use a small one; 6 x 1000 is the reference (5,018,002
// parameters for D = 10).
#pragma once
#include <string>
#include <vector>

#include "nn/layers.h"

namespace untangle {

class Discriminator {
 public:
  Discriminator(int latents, PhiloxRng& rng, int width = 1000, int hidden_layers = 6,
                Initializer init = Initializer::GlorotUniform);
  // z: (B, D) -> logits (B, 2)
  Tensor forward(Tape& tape, const Tensor& z) const;
  // The same network with its weights seen through stop_gradient: the result trains nothing in here
  // (FactorVAE's total-correlation term trains the encoder only).
  Tensor forward_frozen(Tape& tape, const Tensor& z) const;
  void collect(ParameterList& parameters, const std::string& prefix) const;

 private:
  Tensor run(Tape& tape, const Tensor& z, bool frozen) const;
  std::vector<Linear> layers_;  // hidden layers, then the 2-logit output
};

// The discriminator's loss, as disentanglement_lib minimises it: the mean cross-entropy of class 0 on
// the real codes and of class 1 on the permuted ones,
//   -(0.5 mean_b log p0(real_b) + 0.5 mean_b log p1(permuted_b)),  p = softmax(logits).
// real_logits, permuted_logits: (B, 2) -> scalar.
Tensor discriminator_loss(Tape& tape, const Tensor& real_logits, const Tensor& permuted_logits);

}  // namespace untangle
