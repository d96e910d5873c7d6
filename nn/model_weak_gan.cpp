// The weakly supervised GAN (Shu et al. 2020): fake pairs, the three losses and the alternating training
// step of nn/weak_gan.h; docs/models.md lists every deviation from the reference.
//
// Latent size: Z = settings.latents, K = settings.factors (the dataset's, set by the trainer). The reference
// has Z = K + n_dim with n_dim = 0 on dSprites and Shapes3D, and the weak_disentangle preset sets
// latents = factors. With Z > K the extra coordinates are nuisance (independent within a fake pair); the
// encoder here infers all Z of them, where the reference's encoder ignores the nuisance ones, so that its
// mean is a Z-wide representation like every other model's.
#include <algorithm>

#include "core/check.h"
#include "nn/weak_gan.h"

namespace untangle {

namespace {

bool shares_one_factor(const std::string& pairing) {
  require(pairing == "share" || pairing == "change", "weak_gan: pairing must be share or change, got '",
          pairing, "'");
  return pairing == "share";
}

// The sizes of the networks, after checking the settings they come from.
GanShape checked_gan_shape(const ModelSettings& s) {
  require(s.architecture == "weak_gan",
          "weak_gan builds Shu et al.'s networks, so architecture must be 'weak_gan' ",
          "(its default preset, weak_disentangle, sets it), got '", s.architecture, "'");
  require(s.reconstruction.kind == ReconstructionKind::Bernoulli,
          "weak_gan: the generator outputs logits whose sigmoid is the image, so reconstruction must be ",
          "bernoulli, got ", reconstruction_kind_name(s.reconstruction.kind));
  require(s.factors > 0,
          "weak_gan: needs the dataset's number of factors (settings.factors, set from the data)");
  require(s.latents >= s.factors, "weak_gan: latents (", s.latents,
          ") must be at least the number of factors (", s.factors, "): the first ", s.factors,
          " code coordinates are the factors' (Shu et al.'s s_dim)");
  shares_one_factor(s.pairing);
  return {s.channels, s.height, s.width, s.latents, s.factors, s.gan_channels};
}

void step_and_clear(Adam& adam) {
  adam.step();
  adam.zero_grad();
}

}  // namespace

FakePairs sample_fake_pairs(int batch, int latents, int factors, const std::string& pairing, Device device,
                            PhiloxRng& rng) {
  require(batch > 0 && factors > 0 && latents >= factors, "sample_fake_pairs: needs batch > 0 and latents (",
          latents, ") >= factors (", factors, ") > 0");
  const bool share = shares_one_factor(pairing);
  FakePairs pairs;
  pairs.z1 = normal_noise({batch, latents}, device, rng);
  Tensor z2 = normal_noise({batch, latents}, device, rng);
  // mask = 1 where z2 keeps its own draw (make_masks: 1 marks the factors that are resampled).
  std::vector<float> mask(size_t(batch) * size_t(latents), 1.0f), complement(mask.size(), 0.0f);
  for (int b = 0; b < batch; ++b) {
    const int label = int(rng.next_below(uint64_t(factors)));
    pairs.labels.push_back(label);
    for (int j = 0; j < factors; ++j) {
      const bool resampled = share ? j != label : j == label;
      mask[size_t(b) * size_t(latents) + size_t(j)] = resampled ? 1.0f : 0.0f;
      complement[size_t(b) * size_t(latents) + size_t(j)] = resampled ? 0.0f : 1.0f;
    }
  }
  Tape untracked = Tape::evaluation();
  const Shape shape{batch, latents};
  pairs.z2 = add(untracked, mul(untracked, z2, Tensor::from_vector(mask, shape, device)),
                 mul(untracked, pairs.z1, Tensor::from_vector(complement, shape, device)));
  return pairs;
}

Tensor gan_discriminator_loss(Tape& tape, const Tensor& logits) {
  require(logits.rank() == 2 && logits.dim(1) == 1 && logits.dim(0) % 2 == 0,
          "gan_discriminator_loss: expects (2B, 1) logits, real pairs first, got ",
          shape_string(logits.shape()));
  const int B = logits.dim(0) / 2;
  std::vector<float> targets(size_t(2 * B), 0.0f);
  std::fill(targets.begin(), targets.begin() + B, 1.0f);
  return bce_with_logits(tape, logits, Tensor::from_vector(targets, logits.shape(), logits.device()),
                         Reduction::Mean);
}

Tensor gan_generator_loss(Tape& tape, const Tensor& fake_logits) {
  return bce_with_logits(tape, fake_logits, Tensor::full(fake_logits.shape(), 1.0f, fake_logits.device()),
                         Reduction::Mean);
}

Tensor gan_encoder_loss(Tape& tape, const GaussianCode& code, const Tensor& z) {
  require(code.mean.shape() == z.shape() && code.log_variance.shape() == z.shape() && z.rank() == 2,
          "gan_encoder_loss: code and z must both be (B, Z), got ", shape_string(code.mean.shape()), " and ",
          shape_string(z.shape()));
  const double half_log_two_pi = 0.91893853320467274;  // ½ log 2π
  // -log N(z; m, e^l) per coordinate = ½ (z - m)² e^-l + ½ l + ½ log 2π
  Tensor squared_error = square(tape, sub(tape, z, code.mean));
  Tensor per_coordinate = add(
      tape, mul(tape, squared_error, exp(tape, scale(tape, code.log_variance, -1.0f))), code.log_variance);
  const float batch = float(z.dim(0));
  return add_scalar(tape, scale(tape, sum(tape, per_coordinate), 0.5f / batch),
                    float(half_log_two_pi * z.dim(1)));
}

WeakGan::WeakGan(const ModelSettings& settings, PhiloxRng& rng)
    : Model(settings, rng, Networks::None),
      shape_(checked_gan_shape(settings)),
      discriminator_(shape_, rng, settings.initializer) {
  auto generator = std::make_unique<GanGenerator>(shape_, rng, settings.initializer);
  auto encoder = std::make_unique<GanEncoder>(shape_, rng, settings.initializer);
  generator_ = generator.get();
  gan_encoder_ = encoder.get();
  decoder_ = std::move(generator);
  encoder_ = std::move(encoder);
}

std::vector<ParameterGroup> WeakGan::parameter_groups() const {
  ParameterList generator, discriminator, encoder;
  generator_->collect(generator, "generator");
  discriminator_.collect(discriminator, "discriminator");
  gan_encoder_->collect(encoder, "encoder");
  return {{"generator", generator, settings_.optimizer},
          {"discriminator", discriminator, settings_.discriminator_optimizer},
          {"encoder", encoder, settings_.discriminator_optimizer}};
}

ParameterList WeakGan::buffers() const {
  ParameterList buffers;
  generator_->collect_buffers(buffers, "generator");
  discriminator_.collect_buffers(buffers, "discriminator");
  gan_encoder_->collect_buffers(buffers, "encoder");
  return buffers;
}

Tensor WeakGan::fake_images(Tape& tape, const Tensor& z, ForwardMode mode) const {
  return sigmoid(tape, generator_->forward(tape, z, mode));
}

FakePairs WeakGan::draw_fakes(int batch, PhiloxRng& rng) const {
  return sample_fake_pairs(batch, settings_.latents, settings_.factors, settings_.pairing, device_, rng);
}

WeakGan::DiscriminatorAndEncoderLosses WeakGan::first_phase_losses(Tape& tape, const Batch& batch,
                                                                   const FakePairs& fakes,
                                                                   const Tensor& x1_fake,
                                                                   const Tensor& x2_fake,
                                                                   ForwardMode mode) const {
  const int B = batch.x.dim(0);
  require(batch.x_pair.defined() && batch.x_pair.shape() == batch.x.shape(),
          "weak_gan trains on matched pairs: needs x_pair shaped as x");
  require(int(batch.pair_labels.size()) == B, "weak_gan: needs one pair label per pair (", B, "), got ",
          batch.pair_labels.size());
  std::vector<int> labels = batch.pair_labels;  // real pairs, then fake pairs
  labels.insert(labels.end(), fakes.labels.begin(), fakes.labels.end());
  Tensor logits = discriminator_.forward(tape, concat(tape, {batch.x.to(device_), x1_fake}, 0),
                                         concat(tape, {batch.x_pair.to(device_), x2_fake}, 0),
                                         one_hot(labels, settings_.factors, device_), mode);  // (2B, 1)
  DiscriminatorAndEncoderLosses losses;
  losses.discriminator_loss = gan_discriminator_loss(tape, logits);
  losses.encoder_loss = gan_encoder_loss(tape, gan_encoder_->forward(tape, x1_fake, mode), fakes.z1);
  Tape untracked = Tape::evaluation();
  losses.real_pair_probability = mean(untracked, sigmoid(untracked, slice(untracked, logits, 0, 0, B)));
  losses.fake_pair_probability = mean(untracked, sigmoid(untracked, slice(untracked, logits, 0, B, 2 * B)));
  return losses;
}

Tensor WeakGan::generator_phase_loss(Tape& tape, const FakePairs& fakes, const Tensor& x1_fake,
                                     const Tensor& x2_fake, ForwardMode mode) const {
  Tensor logits = discriminator_.forward_frozen(
      tape, x1_fake, x2_fake, one_hot(fakes.labels, settings_.factors, device_), mode);  // (B, 1)
  return gan_generator_loss(tape, logits);
}

TrainingLoss WeakGan::logged(const DiscriminatorAndEncoderLosses& first, const Tensor& generator_loss) {
  Tensor total = logged_sum(logged_sum(first.discriminator_loss, first.encoder_loss), generator_loss);
  return {total,
          {{"loss", total},
           {"discriminator_loss", first.discriminator_loss},
           {"encoder_loss", first.encoder_loss},
           {"generator_loss", generator_loss},
           {"real_pair_probability", first.real_pair_probability},
           {"fake_pair_probability", first.fake_pair_probability}}};
}

TrainingLoss WeakGan::training_loss(Tape& tape, const Batch& batch, PhiloxRng& rng, long long) const {
  const ForwardMode mode = forward_mode_of(tape);
  const FakePairs fakes = draw_fakes(batch.x.dim(0), rng);
  Tensor x1_fake = fake_images(tape, fakes.z1, mode), x2_fake = fake_images(tape, fakes.z2, mode);
  DiscriminatorAndEncoderLosses first =
      first_phase_losses(tape, batch, fakes, stop_gradient(x1_fake), stop_gradient(x2_fake), mode);
  Tensor generator_loss = generator_phase_loss(tape, fakes, x1_fake, x2_fake, mode);
  TrainingLoss loss = logged(first, generator_loss);
  loss.objective = add(tape, add(tape, first.discriminator_loss, first.encoder_loss), generator_loss);
  return loss;
}

TrainingLoss WeakGan::train_step(std::vector<Adam>& optimisers, const Batch& batch, PhiloxRng& rng,
                                 long long) const {
  require(optimisers.size() == 3, "weak_gan: train_step needs the optimisers of its 3 parameter groups, got ",
          optimisers.size());
  const int B = batch.x.dim(0);
  const ForwardMode training = ForwardMode::Training;

  // (1) The discriminator and the encoder. The fakes are generated in a training pass (batch statistics,
  // running statistics updated) on an evaluation tape: they carry no gradient back to the generator.
  DiscriminatorAndEncoderLosses first;
  {
    const FakePairs fakes = draw_fakes(B, rng);
    Tape untracked = Tape::evaluation();
    Tensor x1_fake = fake_images(untracked, fakes.z1, training),
           x2_fake = fake_images(untracked, fakes.z2, training);
    Tape tape;
    first = first_phase_losses(tape, batch, fakes, x1_fake, x2_fake, training);
    tape.backward(add(tape, first.discriminator_loss, first.encoder_loss));
    step_and_clear(optimisers[kDiscriminator]);
    step_and_clear(optimisers[kEncoder]);
  }

  // (2) The generator, on fresh fakes, against the discriminator just updated.
  Tensor generator_loss;
  {
    const FakePairs fakes = draw_fakes(B, rng);
    Tape tape;
    Tensor x1_fake = fake_images(tape, fakes.z1, training), x2_fake = fake_images(tape, fakes.z2, training);
    generator_loss = generator_phase_loss(tape, fakes, x1_fake, x2_fake, training);
    tape.backward(generator_loss);
    step_and_clear(optimisers[kGenerator]);
  }
  return logged(first, generator_loss);
}

std::unique_ptr<Model> make_weak_gan(const ModelSettings& settings, PhiloxRng& rng) {
  return std::make_unique<WeakGan>(settings, rng);
}

}  // namespace untangle
