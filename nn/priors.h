// The latent priors p(z) of Mathieu et al.'s decomposition VAE (Mathieu, Rainforth, Siddharth & Teh,
// ICML 2019, the priors of its experiments; iffsid/disentangling-disentanglement src/models/vae.py
// VAE.pz_params / init_pz, src/models/vae_dsprites.py DSPRITES.pz_params, src/distributions/sparse.py
// Sparse). Every prior factorises over the D latents and has a per-latent scale
//   s_d = sqrt(D * softmax(w)_d),   so the variances s_d^2 sum to D,
// where the weights w are the log-variances the prior starts from: all 0 (isotropic), or the logs of the
// data's PCA spectrum (anisotropic; `pca` upstream). With learn_variance the weights are a trained
// parameter (upstream --learn-prior-variance); otherwise they are a constant.
//
//   isotropic       N(0, 1) in every latent                      (w = 0, so s = 1)
//   anisotropic     N(0, s_d^2)
//   student_t       Student-t with nu degrees of freedom, location 0, scale s_d (upstream dSprites: nu = 9)
//   spike_and_slab  gamma N(0, 0.05^2) + (1 - gamma) N(0, s_d^2)  (spike weight gamma, upstream default 0.8)
//
// log_density is built from autograd ops, so gradients reach z and the learnt weights; sample draws its
// randomness on the host (so the CPU and GPU paths see the same numbers) and multiplies by the scale with
// an op, so a learnt scale is trained through the samples too (upstream rsample).
#pragma once
#include <string>
#include <vector>

#include "autograd/ops.h"

namespace untangle {

enum class PriorKind { Isotropic, Anisotropic, StudentT, SpikeAndSlab };

// "isotropic" | "anisotropic" | "student_t" | "spike_and_slab"; an unknown name is an error listing them.
PriorKind prior_kind_from_name(const std::string& name);
std::string prior_kind_name(PriorKind kind);

struct PriorSettings {
  PriorKind kind = PriorKind::Isotropic;
  // Relative variances the scale starts from (any positive numbers; normalised to sum to D). Empty: all
  // equal, i.e. unit variances. The anisotropic prior takes the data's PCA spectrum here.
  std::vector<double> variances;
  bool learn_variance = false;
  float degrees_of_freedom = 9.0f;  // student_t
  float spike_weight = 0.8f;        // spike_and_slab: gamma
};

inline constexpr float kSpikeStddev = 0.05f;  // Sparse.alpha upstream

class Prior {
 public:
  // latents: D. Throws when the settings do not fit (wrong number of variances, nu <= 0, gamma not in (0,
  // 1)).
  Prior(const PriorSettings& settings, int latents);

  PriorKind kind() const { return settings_.kind; }
  const PriorSettings& settings() const { return settings_; }
  int latents() const { return latents_; }
  // The weights w (D): a parameter when the variance is learnt (Adam trains it), a constant otherwise.
  const Tensor& log_variance_weights() const { return weights_; }
  bool has_closed_form_gaussian() const {
    return settings_.kind == PriorKind::Isotropic || settings_.kind == PriorKind::Anisotropic;
  }

  // log s_d^2 = log D + w_d - logsumexp(w)  -> (D)
  Tensor log_variance(Tape& tape) const;
  // z: (B, D) -> log p(z_bd) per latent (B, D)
  Tensor log_density(Tape& tape, const Tensor& z) const;
  // `count` samples (count, D) on the weights' device; `rng` draws the host randomness.
  Tensor sample(Tape& tape, int count, PhiloxRng& rng) const;

 private:
  PriorSettings settings_;
  int latents_;
  Tensor weights_;
};

// A Gamma(shape, 1) draw (Marsaglia & Tsang 2000, "A simple method for generating gamma variables"), with
// shape < 1 boosted by U^(1/shape). Used for the Student-t's chi-square.
double sample_gamma(double shape, PhiloxRng& rng);

}  // namespace untangle
