// The weakly supervised GAN of Shu, Chen, Kumar, Ermon and Poole (ICLR 2020), the non-variational contrast
// model of Zietlow et al. (2021): google-research weak_disentangle/main.py (train_gen_step),
// datasets.py (make_masks, match_randn) and configs/gan.gin. The networks are nn/gan_networks.h.
//
// Supervision is match pairing: each real pair (x1, x2) comes with the label y of the factor it is about
// (the trainer draws them, data/samplers.h). Fake pairs mirror that in the code: z1, z2 ~ N(0, I_Z), a label
// y ~ U{0..K-1} per pair (K = the number of factors), and on the first K coordinates
//   z2 <- z2·m + z1·(1 - m),   m = 1 - e_y (share: only coordinate y is common)  or  m = e_y (change: only y
//   differs);
// coordinates from K on (nuisance, Z > K) stay independent in the two codes, as the reference's.
//
// One training step (train_step), in the reference's order:
//   (1) fakes x_i = sigmoid(G(z_i)) with no gradient to G;
//       discriminator loss = mean BCE-with-logits over D(real pairs, y) -> 1 and D(fake pairs, y_fake) -> 0
//       encoder loss       = -mean_b log q(z1_b | x1_b), q = N(mean, diag exp(log-variance)) from E
//       both backpropagated; the discriminator's and the encoder's Adam step.
//   (2) fresh fakes; generator loss = mean BCE-with-logits(D(G(z1), G(z2), y_fake) -> 1) (non-saturating),
//       through the just-updated discriminator (whose weights receive no gradient); the generator's Adam
//       steps.
// Every network pass of a step is a training pass (batch statistics, power iterations), as the reference's.
#pragma once
#include <string>
#include <vector>

#include "nn/gan_networks.h"
#include "nn/model.h"

namespace untangle {

// A batch of latent pairs for the generator.
struct FakePairs {
  Tensor z1, z2;            // (B, Z)
  std::vector<int> labels;  // (B): the factor pair b is about, in [0, K)
};
// Draws z1, then z2 (each one normal_noise fill of B·Z numbers), then the B labels (next_below(K) each)
// from `rng`, and ties the pairs as `pairing` ("share" | "change") says. Z >= K.
FakePairs sample_fake_pairs(int batch, int latents, int factors, const std::string& pairing, Device device,
                            PhiloxRng& rng);

// logits (2B, 1): the first B of real pairs (target 1), the last B of fake pairs (target 0) -> the mean
// sigmoid cross-entropy over all 2B (the reference's one call on the concatenated batch).
Tensor gan_discriminator_loss(Tape& tape, const Tensor& logits);
// fake_logits (B, 1) -> mean sigmoid cross-entropy against target 1 (the non-saturating generator loss).
Tensor gan_generator_loss(Tape& tape, const Tensor& fake_logits);
// -mean_b log N(z_b; mean_b, diag exp(log_variance_b)), summed over the Z coordinates. code: (B, Z), z: (B,
// Z).
Tensor gan_encoder_loss(Tape& tape, const GaussianCode& code, const Tensor& z);

class WeakGan : public Model {
 public:
  // parameter_groups() order, and so the optimisers' order in train_step.
  enum GroupIndex { kGenerator = 0, kDiscriminator = 1, kEncoder = 2 };

  WeakGan(const ModelSettings& settings, PhiloxRng& rng);

  PairSampling pair_sampling() const override { return PairSampling::Matched; }
  // "generator" (settings.optimizer: the reference's dec_lr), "discriminator" and "encoder" (both
  // settings.discriminator_optimizer: enc_lr = enc_lr_mul · dec_lr).
  std::vector<ParameterGroup> parameter_groups() const override;
  // Batch-norm running statistics of the generator; spectral-norm vectors of the discriminator and encoder.
  ParameterList buffers() const override;

  // The three losses from one draw of fakes, as a simultaneous update would use them: objective = their sum,
  // with each loss reaching only its own network (the discriminator's and encoder's see the fakes through
  // stop_gradient, the generator's sees the discriminator's weights as constants). train_step does not use
  // it; the trainer calls it (on an evaluation tape) for the names of the logged terms, which are the same.
  TrainingLoss training_loss(Tape& tape, const Batch& batch, PhiloxRng& rng, long long step) const override;
  // The reference's alternating step (header comment). Logged: loss (the sum of the three below),
  // discriminator_loss, encoder_loss (both from phase 1), generator_loss (phase 2), real_pair_probability
  // and fake_pair_probability (the discriminator's mean sigmoid output on phase 1's real and fake pairs).
  TrainingLoss train_step(std::vector<Adam>& optimisers, const Batch& batch, PhiloxRng& rng,
                          long long step) const override;

  const GanGenerator& generator() const { return *generator_; }
  const GanDiscriminator& discriminator() const { return discriminator_; }
  const GanEncoder& encoder() const { return *gan_encoder_; }
  // sigmoid(G(z)): z (B, Z) -> images (B, C, H, W) in (0, 1)
  Tensor fake_images(Tape& tape, const Tensor& z, ForwardMode mode) const;

 private:
  struct DiscriminatorAndEncoderLosses {
    Tensor discriminator_loss, encoder_loss;
    Tensor real_pair_probability, fake_pair_probability;  // logged only
  };
  DiscriminatorAndEncoderLosses first_phase_losses(Tape& tape, const Batch& batch, const FakePairs& fakes,
                                                   const Tensor& x1_fake, const Tensor& x2_fake,
                                                   ForwardMode mode) const;
  Tensor generator_phase_loss(Tape& tape, const FakePairs& fakes, const Tensor& x1_fake,
                              const Tensor& x2_fake, ForwardMode mode) const;
  FakePairs draw_fakes(int batch, PhiloxRng& rng) const;
  static TrainingLoss logged(const DiscriminatorAndEncoderLosses& first, const Tensor& generator_loss);

  GanShape shape_;
  GanDiscriminator discriminator_;
  const GanGenerator* generator_ = nullptr;  // owned by Model::decoder_
  const GanEncoder* gan_encoder_ = nullptr;  // owned by Model::encoder_
};

}  // namespace untangle
