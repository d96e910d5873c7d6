// The model interface a generic trainer drives, the settings every model is built from, and the
// registry of models by name. One model per file (nn/model_*.cpp), each reading as its loss formula;
// docs/models.md lists the formulas and their sources.
//
// How a trainer uses a model:
//
//   ModelSettings settings = default_model_settings("factor_vae");   // then apply presets and flags
//   std::unique_ptr<Model> model = make_model(settings, init_rng);
//   std::vector<Adam> optimisers;                                   // one per parameter group
//   for (const ParameterGroup& group : model->parameter_groups())
//     optimisers.emplace_back(group.parameters, group.hyperparameters);
//   for each step:
//     Batch batch{x};                 // + x_pair (and pair_labels) drawn as model->pair_sampling() says
//     TrainingLoss loss = model->train_step(optimisers, batch, noise_rng, step);
//     (stop if loss.objective is not finite)
//     log loss.terms (same names, same order, every step)
//
// train_step's default is one backward pass over training_loss:
//     Tape tape;
//     TrainingLoss loss = model->training_loss(tape, batch, noise_rng, step);
//     tape.backward(loss.objective);
//     for (Adam& adam : optimisers) { adam.step(); adam.zero_grad(); }
// A model whose reference updates its parts one after another (the weak GAN: discriminator and encoder,
// then the generator on fresh samples) overrides train_step.
//
// One backward pass trains every group at once: a model with several groups (FactorVAE: the VAE and
// its discriminator) builds `objective` as the sum of the groups' losses, where each loss reaches only
// its own group's parameters (stop_gradient cuts the other paths). Summing and differentiating once is
// then exactly the reference's simultaneous update from one forward pass. For checkpoints, parameters()
// names every tensor; optimiser state is Adam::state(group.name).
//
// Evaluation: encode() gives the posterior mean (the representation the metrics use) and log-variance;
// decode() the decoder's output (logits for the Bernoulli loss); reconstruct() an image in data space.
// Use Tape::evaluation() so nothing is recorded.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/adam.h"
#include "nn/architectures.h"
#include "nn/parameters.h"
#include "nn/reconstruction.h"

namespace untangle {

// Every setting a model reads. Unused ones are ignored by models that do not need them; the trainer
// writes all of them to config.json.
struct ModelSettings {
  std::string model = "beta_vae";     // a registry name (model_names())
  std::string architecture = "conv";  // conv | burgess | fc | linear (architecture_names())
  Initializer initializer = Initializer::GlorotUniform;
  int channels = 1, height = 64, width = 64;
  int latents = 10;
  ReconstructionSettings reconstruction;  // loss kind and reduction (also the KL term's reduction)
  // The encoder/decoder group (weak_gan: the generator).
  AdamHyperparameters optimizer{1e-4f, 0.9f, 0.999f, 1e-8f};

  float beta = 1.0f;    // beta_vae: weight of KL; beta_tcvae: weight of TC; ada_*, slow_vae: weight of KL
  float gamma = 1.0f;   // annealed_vae: weight of |KL - C|; factor_vae: weight of TC; slow_vae: of KL_laplace
  float c_max = 25.0f;  // annealed_vae: final capacity C (nats)
  float rate_prior = 6.0f;  // slow_vae: rate lambda of the Laplace transition prior (larger: sparser changes)
  long long iteration_threshold = 100000;  // annealed_vae: steps to reach c_max
  float lambda_od = 1.0f;                  // dip_vae_*: weight of the off-diagonal covariance penalty
  float lambda_d_factor = 10.0f;           // dip_vae_*: lambda_d = lambda_d_factor * lambda_od
  double dataset_size = 737280;            // beta_tcvae: N of the stratified TC estimate that is logged
  std::string ada_divergence =
      "asymmetric_kl";  // ada_*: asymmetric_kl (disentanglement_lib) | symmetric_kl (disent)
  // ada_gvae's averaged mean: both = (mu1 + mu2) / 2 | second = mu2, as disent computed it before commit
  // 939b64e (issue #32, June 2022), i.e. when the Michlo et al. experiments ran.
  std::string ada_mean_source = "both";
  int discriminator_width = 1000, discriminator_hidden_layers = 6;  // factor_vae
  // factor_vae's discriminator; weak_gan's discriminator and encoder (Shu et al.: enc_lr = enc_lr_mul·dec_lr)
  AdamHyperparameters discriminator_optimizer{1e-4f, 0.5f, 0.9f, 1e-8f};
  int factors = 0;  // the dataset's number of ground-truth factors (set from the data, like channels)

  // How the trainer draws pairs for the pair models (data/samplers.h):
  int k = -1;  // weak pairs and uniform transitions: factors that change per pair; -1: k ~ U{1..K-1}
  std::string transition = "laplace";  // temporal pairs (slow_vae, pcl): laplace | uniform
  float transition_rate = 1.0f;        // laplace transitions' rate; -1: a fresh rate ~ U(1, 10) per pair
  std::string pairing = "share";       // matched pairs (weak_gan): share | change (Shu et al. 2020)

  int gan_channels = 32;  // weak_gan: the base width c of Shu et al.'s networks (32; tests use fewer)

  // decomposition_vae (Mathieu et al. 2019; nn/priors.h, nn/aggregate_divergence.h):
  float alpha = 0.0f;               // weight of the divergence D(q(z), p(z)) (0: off, as upstream)
  std::string divergence = "mmd";   // mmd | aggregate_kl
  std::string prior = "isotropic";  // isotropic | anisotropic | student_t | spike_and_slab
  // Relative prior variances, comma-separated (normalised to sum to the latent size); "" = all equal.
  // `untangle train` fills it from the data's PCA spectrum for the anisotropic prior when it is not given.
  std::string prior_variances;
  int learn_prior_variance = 0;  // 1: the prior's variances are trained with the model
  float student_t_dof = 9.0f;    // student_t: degrees of freedom nu (upstream's dSprites value)
  float spike_weight = 0.8f;     // spike_and_slab: weight gamma of the N(0, 0.05^2) spike
};

// Which examples a model trains on (the trainer picks the sampler, data/samplers.h).
enum class PairSampling {
  None,      // i.i.d. observations: batch.x only
  Weak,      // Locatello et al. weak pairs (k factors redrawn): x and x_pair, `batch` pairs
  Temporal,  // Slow-VAE transitions: x = frame t, x_pair = frame t+1; `batch` counts images, so
             // batch / 2 pairs (the reference's batch of 64 holds 32 pairs)
  Matched,   // Shu et al. match pairing: x, x_pair and pair_labels, `batch` pairs
};

// A training batch: x (B, C, H, W); for pair models x_pair (B, C, H, W) holds the second observation of
// each pair (row b of x and of x_pair form one pair); for matched pairs, pair_labels[b] is the factor that
// pair b is about (shared or changed).
struct Batch {
  Tensor x;
  Tensor x_pair;
  std::vector<int> pair_labels;
};

// A value the trainer logs: a one-element tensor on the model's device. On a GPU it may still be being
// computed when the step returns; read() waits for it. The trainer reads terms only when it writes a log
// row, so a training step itself never waits for the GPU.
struct LoggedTerm {
  std::string name;
  Tensor value;
  double read() const { return value.item(); }
};

// a + b outside any tape (for logged sums such as the ELBO).
Tensor logged_sum(const Tensor& a, const Tensor& b);
// A host number as a logged value.
Tensor logged_value(double value);

struct TrainingLoss {
  Tensor objective;               // scalar: backward() on it trains every parameter group
  std::vector<LoggedTerm> terms;  // "loss" (the model's own loss) first, then its parts
};

struct ParameterGroup {
  std::string name;  // "model", "discriminator": the prefix of its optimiser state in checkpoints
  ParameterList parameters;
  AdamHyperparameters hyperparameters;
};

class Model {
 public:
  Model(const ModelSettings& settings, PhiloxRng& rng);
  virtual ~Model() = default;

  const ModelSettings& settings() const { return settings_; }
  virtual PairSampling pair_sampling() const { return PairSampling::None; }
  bool needs_pairs() const { return pair_sampling() != PairSampling::None; }
  // False for models without a decoder (PCL): decode() and reconstruct() are then errors, and the
  // figures that need one are skipped.
  bool has_decoder() const { return decoder_ != nullptr; }

  // True when training_loss queues only device work that depends on nothing but the batch tensors, the
  // noise stream and the parameters (no host-side decision, no step-dependent constant), so a CUDA graph
  // can capture the step once and replay it (nn/graphed_step.h).
  virtual bool can_capture_step() const { return false; }

  // The groups each trained by their own Adam; the first is the encoder and decoder.
  virtual std::vector<ParameterGroup> parameter_groups() const;
  ParameterList parameters() const;  // every group's parameters
  // State a model keeps that no optimiser trains but the next step depends on (spectral normalisation's
  // power-iteration vectors, batch-norm running statistics). Default: none.
  virtual ParameterList buffers() const { return {}; }
  // Everything a checkpoint holds of the model: parameters(), then buffers().
  ParameterList checkpointed_tensors() const;

  // Where the parameters live (the CPU until to() moves them). encode() and decode() copy their input
  // there when it is elsewhere, and their outputs stay there.
  Device device() const { return device_; }
  // Moves every parameter (all groups) and buffer to `device`; make the optimisers afterwards.
  void to(Device device);

  // x: (B, C, H, W) -> mean, log-variance (B, D)
  GaussianCode encode(Tape& tape, const Tensor& x) const { return encoder_->forward(tape, x.to(device_)); }
  // z: (B, D) -> decoder output (B, C, H, W): logits for the Bernoulli loss, values otherwise
  Tensor decode(Tape& tape, const Tensor& z) const;
  // x -> the image decoded from the posterior mean, in data space (B, C, H, W)
  Tensor reconstruct(Tape& tape, const Tensor& x) const;

  // The loss of one training step. `rng` draws the reparameterisation noise (and FactorVAE's
  // permutations); `step` is the global step, counted from 0 (AnnealedVAE's capacity schedule).
  virtual TrainingLoss training_loss(Tape& tape, const Batch& batch, PhiloxRng& rng,
                                     long long step) const = 0;

  // One training step: the loss on `batch` and every optimiser's update (and zero_grad). The default is
  // one backward pass over training_loss; `optimisers` are made from parameter_groups(), in order.
  virtual TrainingLoss train_step(std::vector<Adam>& optimisers, const Batch& batch, PhiloxRng& rng,
                                  long long step) const;

  // log p(z) per latent, z: (B, D) -> (B, D); for the importance-weighted log p(x) estimate
  // (nn/importance_weighted.h). Default: the standard normal every VAE here is trained against.
  virtual Tensor prior_log_density(Tape& tape, const Tensor& z) const;

 protected:
  // Which networks the constructor builds from settings.architecture: both (every VAE), the encoder only
  // (PCL), or none (a model that builds its own, such as the weak GAN; it sets encoder_ and decoder_).
  enum class Networks { EncoderAndDecoder, EncoderOnly, None };
  Model(const ModelSettings& settings, PhiloxRng& rng, Networks networks);

  ModelSettings settings_;
  std::unique_ptr<Encoder> encoder_;
  std::unique_ptr<Decoder> decoder_;
  Device device_ = Device::CPU;
};

// One training step, model.train_step (as the usage above). Returns the loss (on a GPU its values may still
// be being computed).
TrainingLoss training_step(const Model& model, std::vector<Adam>& optimisers, const Batch& batch,
                           PhiloxRng& noise, long long step);

// ---- settings as text (model_settings.cpp) ------------------------------------------------------------
// Every field as (name, value) in a fixed order, numbers printed so they parse back exactly: the
// trainer's config.json. Field names: model, architecture, initializer, channels, height, width, latents,
// reconstruction, reduction, blur_radius, pixel_weight, blur_weight, learning_rate, adam_beta1/2,
// adam_epsilon, beta, gamma, c_max, rate_prior, iteration_threshold, lambda_od, lambda_d_factor,
// dataset_size, ada_divergence, ada_mean_source, discriminator_width, discriminator_hidden_layers,
// discriminator_learning_rate, discriminator_beta1/2, discriminator_epsilon, factors, k, transition,
// transition_rate, pairing, gan_channels, alpha, divergence, prior, prior_variances, learn_prior_variance,
// student_t_dof, spike_weight.
std::vector<std::pair<std::string, std::string>> model_settings_to_fields(const ModelSettings& settings);
// The inverse: starts from default_model_settings(values["model"]) and sets every given field; an
// unknown name or a malformed number is an error naming the field.
ModelSettings model_settings_from_fields(const std::map<std::string, std::string>& values);
// Sets one field by name from text (a command-line flag such as --beta 4).
void set_model_setting(ModelSettings& settings, const std::string& name, const std::string& value);

// ---- registry (model_registry.cpp) ------------------------------------------------------------------
std::vector<std::string> model_names();
// The reference defaults for a model (disentanglement_lib's where it has the model, disent's otherwise):
// e.g. annealed_vae gamma 1000, c_max 25; factor_vae gamma 10; dip_vae_ii lambda_d_factor 1.
ModelSettings default_model_settings(const std::string& model);
// Builds settings.model; the weights are drawn from `rng`. Unknown names and bad settings are errors.
std::unique_ptr<Model> make_model(const ModelSettings& settings, PhiloxRng& rng);

// The factories the registry calls (one per model file).
std::unique_ptr<Model> make_autoencoder(const ModelSettings& settings, PhiloxRng& rng);
std::unique_ptr<Model> make_beta_vae(const ModelSettings& settings, PhiloxRng& rng);
std::unique_ptr<Model> make_annealed_vae(const ModelSettings& settings, PhiloxRng& rng);
std::unique_ptr<Model> make_factor_vae(const ModelSettings& settings, PhiloxRng& rng);
std::unique_ptr<Model> make_beta_tcvae(const ModelSettings& settings, PhiloxRng& rng);
std::unique_ptr<Model> make_dip_vae(const ModelSettings& settings, PhiloxRng& rng);
std::unique_ptr<Model> make_ada_vae(const ModelSettings& settings, PhiloxRng& rng);
std::unique_ptr<Model> make_slow_vae(const ModelSettings& settings, PhiloxRng& rng);
std::unique_ptr<Model> make_pcl(const ModelSettings& settings, PhiloxRng& rng);
std::unique_ptr<Model> make_weak_gan(const ModelSettings& settings, PhiloxRng& rng);
std::unique_ptr<Model> make_decomposition_vae(const ModelSettings& settings, PhiloxRng& rng);

}  // namespace untangle
