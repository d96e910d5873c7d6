// The models by name, with each one's reference defaults (disentanglement_lib's study
// values, disent's for what only disent has; docs/reference/models.md). Presets (nn/presets.h) then set the
// conventions of one codebase, and the trainer's flags override single values.
#include "core/check.h"
#include "nn/model.h"

namespace untangle {

namespace {

struct ModelEntry {
  const char* name;
  std::unique_ptr<Model> (*make)(const ModelSettings&, PhiloxRng&);
  void (*set_defaults)(ModelSettings&);
};

const ModelEntry kModels[] = {
    {"ae", make_autoencoder, [](ModelSettings&) {}},
    {"beta_vae", make_beta_vae, [](ModelSettings& s) { s.beta = 1.0f; }},
    {"annealed_vae", make_annealed_vae,
     [](ModelSettings& s) {
       s.gamma = 1000.0f;
       s.c_max = 25.0f;
       s.iteration_threshold = 100000;
     }},
    {"factor_vae", make_factor_vae, [](ModelSettings& s) { s.gamma = 10.0f; }},
    {"beta_tcvae", make_beta_tcvae, [](ModelSettings& s) { s.beta = 6.0f; }},
    {"dip_vae_i", make_dip_vae, [](ModelSettings& s) { s.lambda_d_factor = 10.0f; }},
    {"dip_vae_ii", make_dip_vae, [](ModelSettings& s) { s.lambda_d_factor = 1.0f; }},
    {"ada_gvae", make_ada_vae, [](ModelSettings& s) { s.beta = 1.0f; }},
    {"ada_mlvae", make_ada_vae, [](ModelSettings& s) { s.beta = 1.0f; }},
    // The linear VAE is a beta-VAE whose encoder and decoder are single linear maps, on an L2 loss
    // (Zietlow et al. 2021, Theorem 1).
    {"linear_vae", make_beta_vae,
     [](ModelSettings& s) {
       s.architecture = "linear";
       s.reconstruction.kind = ReconstructionKind::Mse;
       s.beta = 1.0f;
     }},
    // Klindt et al. 2021's defaults (slow_disentanglement main.py: "best params found by UDR").
    {"slow_vae", make_slow_vae,
     [](ModelSettings& s) {
       s.beta = 1.0f;
       s.gamma = 10.0f;
       s.rate_prior = 6.0f;
     }},
    {"pcl", make_pcl, [](ModelSettings&) {}},
    // Shu et al.'s weak GAN (google-research weak_disentangle/main.py, configs/gan.gin): its own networks,
    // Adam(beta1 0.5, beta2 0.999, eps 1e-8) with lr 1e-3 for the generator (dec_lr) and 1e-3 for the
    // discriminator and the encoder (enc_lr = enc_lr_mul 1 x dec_lr). Logits out, so a bernoulli output.
    // Its default convention preset (nn/presets.h, weak_disentangle) keeps these and sets latents = factors.
    {"weak_gan", make_weak_gan,
     [](ModelSettings& s) {
       s.architecture = "weak_gan";
       s.reconstruction.kind = ReconstructionKind::Bernoulli;
       s.optimizer = {1e-3f, 0.5f, 0.999f, 1e-8f};
       s.discriminator_optimizer = {1e-3f, 0.5f, 0.999f, 1e-8f};
     }},
    // Mathieu et al. 2019's decomposition VAE: the dSprites "independence" runs' beta = 1, alpha = 0
    // (iffsid/disentangling-disentanglement src/experimental_settings/independance.sh); its prior and
    // divergence are chosen by flags (--prior, --alpha, --divergence).
    {"decomposition_vae", make_decomposition_vae,
     [](ModelSettings& s) {
       s.beta = 1.0f;
       s.alpha = 0.0f;
     }},
};

const ModelEntry& find_model(const std::string& name) {
  for (const ModelEntry& entry : kModels)
    if (name == entry.name) return entry;
  std::string known;
  for (const ModelEntry& entry : kModels) known += (known.empty() ? "" : ", ") + std::string(entry.name);
  fail("unknown model '", name, "' (known: ", known, ")");
}

}  // namespace

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const ModelEntry& entry : kModels) names.push_back(entry.name);
  return names;
}

ModelSettings default_model_settings(const std::string& model) {
  ModelSettings settings;
  settings.model = model;
  find_model(model).set_defaults(settings);
  return settings;
}

std::unique_ptr<Model> make_model(const ModelSettings& settings, PhiloxRng& rng) {
  const ModelEntry& entry = find_model(settings.model);
  require(settings.model != "linear_vae" || settings.architecture == "linear",
          "model 'linear_vae' needs architecture 'linear', got '", settings.architecture, "'");
  return entry.make(settings, rng);
}

}  // namespace untangle
