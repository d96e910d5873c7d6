// `untangle train --help`: every setting with its default and a one-line meaning. The defaults of the
// model settings are resolved for the --model / --dataset / --preset given with --help (else beta_vae
// on dsprites), through the same layers as a real run (apps/common/run_config.h), so they are the values
// a run would write to config.json. The meanings restate nn/model.h's field comments.
#include "apps/common/train_help.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "apps/common/run_config.h"
#include "data/registry.h"

namespace untangle {

namespace {

const std::map<std::string, const char*>& model_setting_meanings() {
  static const std::map<std::string, const char*> meanings = {
      {"architecture", "encoder/decoder networks: conv | burgess | fc | linear"},
      {"initializer", "weight initialiser: glorot_uniform | xavier_normal"},
      {"latents", "size of the latent code"},
      {"reconstruction", "reconstruction loss: bernoulli | mse | mse_box (Michlo et al.'s box-blur loss)"},
      {"reduction", "how the reconstruction and KL terms are reduced over pixels: sum | mean"},
      {"blur_radius", "mse_box: the blur box is (2r+1) x (2r+1) pixels"},
      {"pixel_weight", "mse_box: weight of the plain per-pixel MSE"},
      {"blur_weight", "mse_box: weight of the MSE between blurred images"},
      {"learning_rate", "Adam learning rate of the encoder/decoder (weak_gan: the generator's); also --lr"},
      {"adam_beta1", "Adam beta1 of the encoder/decoder, in [0, 1)"},
      {"adam_beta2", "Adam beta2 of the encoder/decoder, in [0, 1)"},
      {"adam_epsilon", "Adam epsilon of the encoder/decoder, > 0"},
      {"beta", "beta_vae: weight of the KL; beta_tcvae: of the TC; ada_*, slow_vae: of the KL (>= 0)"},
      {"gamma",
       "annealed_vae: weight of |KL - C|; factor_vae: of the TC; slow_vae: of the Laplace KL (>= 0)"},
      {"c_max", "annealed_vae: final capacity C in nats"},
      {"rate_prior", "slow_vae: rate of the Laplace transition prior (larger: sparser changes)"},
      {"iteration_threshold", "annealed_vae: steps until the capacity reaches c_max"},
      {"lambda_od", "dip_vae_*: weight of the off-diagonal covariance penalty"},
      {"lambda_d_factor", "dip_vae_*: the diagonal penalty's weight is lambda_d_factor * lambda_od"},
      {"ada_divergence", "ada_*: asymmetric_kl (disentanglement_lib) | symmetric_kl (disent)"},
      {"ada_mean_source",
       "ada_gvae's averaged mean: both = (mu1 + mu2) / 2 | second = mu2 (disent before 939b64e)"},
      {"discriminator_width", "factor_vae: hidden units per discriminator layer"},
      {"discriminator_hidden_layers", "factor_vae: hidden layers of the discriminator"},
      {"discriminator_learning_rate",
       "factor_vae: the discriminator's Adam rate; weak_gan: discriminator and encoder"},
      {"discriminator_beta1", "Adam beta1 of that discriminator group, in [0, 1)"},
      {"discriminator_beta2", "Adam beta2 of that discriminator group, in [0, 1)"},
      {"discriminator_epsilon", "Adam epsilon of that discriminator group, > 0"},
      {"k", "weak pairs and uniform transitions: factors that change per pair (-1: drawn from 1..K-1)"},
      {"transition", "temporal pairs (slow_vae, pcl): laplace | uniform"},
      {"transition_rate", "rate of laplace transitions (-1: a fresh rate from U(1, 10) per pair)"},
      {"pairing", "matched pairs (weak_gan): share | change (Shu et al. 2020)"},
      {"gan_channels", "weak_gan: base width of Shu et al.'s networks"},
      {"alpha", "decomposition_vae: weight of the divergence D(q(z), p(z)) (0: off)"},
      {"divergence", "decomposition_vae: mmd (per-dimension IMQ kernel) | aggregate_kl (batch estimate)"},
      {"prior", "decomposition_vae: isotropic | anisotropic | student_t | spike_and_slab"},
      {"prior_variances",
       "decomposition_vae: relative prior variances a,b,... (anisotropic: the data's PCA spectrum)"},
      {"learn_prior_variance", "decomposition_vae: 1 = train the prior's variances with the model"},
      {"student_t_dof", "decomposition_vae: degrees of freedom nu of the Student-t prior"},
      {"spike_weight", "decomposition_vae: weight of the N(0, 0.05^2) spike of the spike-and-slab prior"},
  };
  return meanings;
}

void print_run_options() {
  std::printf(
      "usage: untangle train --model M --dataset D --out DIR [options]\n"
      "       untangle train --config FILE --out DIR [options]   (a run's config.json: reproduces it)\n"
      "       untangle train --resume --out DIR [--steps N] [--lr X]\n"
      "       untangle train ... --dry-run   (print the resolved config.json and the time per step)\n\n"
      "Trains M on D and writes DIR/config.json, train_log.csv, checkpoint.utg, metrics.json and figures.\n"
      "Each option: its default, then what it means.\n");
  std::printf("  --model M            beta_vae  which model:");
  for (const std::string& name : model_names()) std::printf(" %s", name.c_str());
  std::printf("\n  --dataset D          dsprites  which data:");
  for (const std::string& name : dataset_names()) std::printf(" %s", name.c_str());
  std::printf(R"(
  --preset P           the model's  convention: disentanglement_lib (Bernoulli loss summed, Adam 1e-4,
                       batch 64, conv nets), disent (MSE mean, Adam 1e-3, batch 256, Burgess nets,
                       standardised inputs) or weak_disentangle (weak_gan's default)
  --config FILE        none      start from a run's config.json instead of --model/--dataset/--preset;
                       later options override its values (--steps, --seed, --beta, ...)
  --out DIR            required  the run directory (never empty; an existing run is not overwritten)
  --steps N            300000    training steps (the reference's); at least 1
  --batch B            preset's  batch size; at least 1
  --lr X               preset's  learning rate (the same setting as --learning-rate; give one)
  --seed S             0         one seed for weights, data, noise and evaluation; >= 0
  --device D           auto      auto | cpu | cuda (auto: a CUDA device when one is present)
  --cuda-graph B       true      on a GPU, replay each step as one captured CUDA graph (factor_vae always
                       runs eagerly)
  --spacing K          8         xysquares: grid spacing, 1..8
  --data-file PATH     none      dsprites/shapes3d: read the real file instead of rendering
  --noise EPS          0         add uniform noise in [-EPS, EPS], EPS in [0, 1] (Zietlow et al. 5.2)
  --manipulation FILE  none      apply a learned manipulation (Zietlow et al. 4.4; made by zietlow_tables)
  --standardise B      preset's  per-channel input standardisation: true | false
  --log-every N        100       a train_log.csv row every N steps (the interval's mean loss); >= 1
  --checkpoint-every N 2000      a checkpoint every N steps; >= 1
  --eval-every N       0 (off)   fast MIG/DCI into metrics_log.csv every N steps
  --final-metrics LIST mig,dci,sap,factorvae,betavae   metrics at the end ("" for none)
  --final-sizes S      fast      sample sizes of the final metrics: fast | reference (untangle eval
                       --run DIR computes them at the reference study's sizes)
  --resume             off       continue the run in --out from its checkpoint (bit-identical on the
                       CPU); with --steps N it trains on to N; a finished run is left as it is; a run
                       that diverged (DIR/diverged.json) continues only with a lower --lr X
  --dry-run            off       print the resolved config.json and the measured time per step, train nothing
)");
}

}  // namespace

std::string model_setting_meaning(const std::string& name) {
  const auto it = model_setting_meanings().find(name);
  return it == model_setting_meanings().end() ? "" : it->second;
}

void print_train_help(Args& args) {
  print_run_options();
  // The defaults of the model settings for the model, dataset and preset given with --help.
  RunConfig resolved;
  std::string context;
  try {
    resolved = run_config_from_args(args);
    context = resolved.model.model + " on " + resolved.dataset + ", preset " + resolved.preset;
  } catch (const Error& error) {
    std::printf("\n(model settings' defaults not shown: %s)\n", error.what());
    return;
  }
  std::printf(
      "\nModel settings, with their defaults for %s\n"
      "(the model's reference values, then the preset, then Zietlow et al. Table 2 for beta_vae,\n"
      "beta_tcvae, factor_vae, slow_vae on dsprites/shapes3d; give --model/--dataset/--preset with\n"
      "--help to see another model's):\n",
      context.c_str());
  std::map<std::string, std::string> values;
  for (const auto& [name, value] : model_settings_to_fields(resolved.model)) {
    // Numbers as a person reads them (1e-4, not the float's 17 digits).
    char* end = nullptr;
    const double number = std::strtod(value.c_str(), &end);
    char text[32];
    std::snprintf(text, sizeof(text), "%.6g", number);
    values[name] = !value.empty() && *end == '\0' ? text : value;
  }
  for (const std::string& flag : model_setting_flags()) {
    std::string name = flag;
    for (char& ch : name)
      if (ch == '-') ch = '_';
    std::printf("  --%-28s %-14s %s\n", flag.c_str(), values[name].c_str(),
                model_setting_meaning(name).c_str());
  }
  std::printf(
      "\nExit status: 0 done, 1 bad input or a failed write (e.g. a full disk), 3 stopped on a\n"
      "non-finite loss, weight or Adam moment (the last good checkpoint kept), 130 / 143 stopped by\n"
      "SIGINT / SIGTERM (a checkpoint is written at the step it stopped; --resume continues).\n");
}

}  // namespace untangle
