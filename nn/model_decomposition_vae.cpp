// The decomposition VAE (Mathieu, Rainforth, Siddharth & Teh, "Disentangling Disentanglement in
// Variational Autoencoders", ICML 2019, its decomposition objective; iffsid/disentangling-disentanglement
// src/objectives.py decomp_objective). Per example it maximises
//   log p(x|z) - beta KL(q(z|x) || p(z)) - alpha D(q(z), p(z))
// so the loss here is
//   loss = recon(decode(z), x) + beta * KL + alpha * D,      z ~ q(z|x) (one reparameterised sample)
// with a choice of prior p(z) (nn/priors.h) and of D (nn/aggregate_divergence.h; only computed when
// alpha > 0, as upstream). The KL is in closed form for the Gaussian priors and a one-sample estimate
// log q(z|x) - log p(z) at the training sample otherwise (upstream utils.kl_divergence: analytic where torch
// has it, else by sampling), so every prior works. KL and recon are reduced the same way
// (nn/reconstruction.h); D is one number per batch, added to every example's loss as upstream subtracts it
// from each objective.
#include <sstream>

#include "core/check.h"
#include "nn/aggregate_divergence.h"
#include "nn/model.h"
#include "nn/priors.h"

namespace untangle {

namespace {

constexpr float kLogTwoPi = 1.8378770664093453f;

std::vector<double> parse_variances(const std::string& text) {
  std::vector<double> values;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    char* end = nullptr;
    const double value = std::strtod(item.c_str(), &end);
    require(!item.empty() && end && *end == '\0', "model setting 'prior_variances': '", item,
            "' is not a number");
    values.push_back(value);
  }
  return values;
}

PriorSettings prior_settings_from(const ModelSettings& s) {
  PriorSettings prior;
  prior.kind = prior_kind_from_name(s.prior);
  prior.variances = parse_variances(s.prior_variances);
  prior.learn_variance = s.learn_prior_variance != 0;
  prior.degrees_of_freedom = s.student_t_dof;
  prior.spike_weight = s.spike_weight;
  return prior;
}

class DecompositionVae : public Model {
 public:
  DecompositionVae(const ModelSettings& settings, PhiloxRng& rng)
      : Model(settings, rng),
        prior_(prior_settings_from(settings), settings.latents),
        divergence_(aggregate_divergence_from_name(settings.divergence)) {}

  std::vector<ParameterGroup> parameter_groups() const override {
    std::vector<ParameterGroup> groups = Model::parameter_groups();
    if (prior_.settings().learn_variance)
      groups[0].parameters.add("prior.log_variance_weights", prior_.log_variance_weights());
    return groups;
  }
  ParameterList buffers() const override {
    ParameterList list;  // a fixed prior's weights travel with the model (to(), checkpoints) all the same
    if (!prior_.settings().learn_variance)
      list.add("prior.log_variance_weights", prior_.log_variance_weights());
    return list;
  }

  Tensor prior_log_density(Tape& tape, const Tensor& z) const override { return prior_.log_density(tape, z); }

  TrainingLoss training_loss(Tape& tape, const Batch& batch, PhiloxRng& rng, long long) const override {
    const ModelSettings& s = settings_;
    GaussianCode code = encode(tape, batch.x);  // (B, D) each
    Tensor z = sample_gaussian(tape, code, rng);
    Tensor reconstruction = reconstruction_loss(tape, decode(tape, z), batch.x, s.reconstruction);
    Tensor kl = reduce(tape, prior_kl(tape, code, z));
    Tensor loss = add(tape, reconstruction, scale(tape, kl, s.beta));
    TrainingLoss result{loss, {{"loss", loss}, {"reconstruction", reconstruction}, {"kl", kl}}};
    if (s.alpha > 0.0f) {
      Tensor prior_samples = prior_.sample(tape, z.dim(0), rng);
      Tensor divergence = divergence_ == AggregateDivergence::Mmd
                              ? dimensionwise_imq_mmd(tape, prior_samples, z)
                              : aggregate_posterior_kl(tape, prior_, prior_samples, code);
      loss = add(tape, loss, scale(tape, divergence, s.alpha));
      result.objective = loss;
      result.terms[0].value = loss;
      result.terms.push_back({"divergence", divergence});
    }
    result.terms.push_back({"elbo", logged_sum(reconstruction, kl)});
    return result;
  }

 private:
  // KL(q(z|x) || p(z)) per latent (B, D): closed form for a Gaussian prior N(0, s^2),
  //   0.5 (var_q / s^2 + mean^2 / s^2 - 1 + log s^2 - log var_q),
  // else log q(z|x) - log p(z) at the sample z.
  Tensor prior_kl(Tape& tape, const GaussianCode& code, const Tensor& z) const {
    if (prior_.has_closed_form_gaussian()) {
      Tensor log_var_p = prior_.log_variance(tape);  // (D)
      Tensor precision = exp(tape, scale(tape, log_var_p, -1.0f));
      Tensor ratio = mul(tape, add(tape, exp(tape, code.log_variance), square(tape, code.mean)), precision);
      Tensor log_ratio = sub(tape, log_var_p, code.log_variance);
      return scale(tape, add_scalar(tape, add(tape, ratio, log_ratio), -1.0f), 0.5f);
    }
    // log q(z|x) = -0.5 ((z - mean)^2 / var + log var + log 2 pi)
    Tensor standardised =
        mul(tape, square(tape, sub(tape, z, code.mean)), exp(tape, scale(tape, code.log_variance, -1.0f)));
    Tensor log_posterior =
        scale(tape, add_scalar(tape, add(tape, standardised, code.log_variance), kLogTwoPi), -0.5f);
    return sub(tape, log_posterior, prior_.log_density(tape, z));
  }

  // (B, D) -> scalar, reduced as the reconstruction term: mean over the batch of per-example sums, or the
  // mean over every element.
  Tensor reduce(Tape& tape, const Tensor& per_latent) const {
    if (settings_.reconstruction.reduction == LossReduction::Mean) return mean(tape, per_latent);
    return scale(tape, sum(tape, per_latent), 1.0f / float(per_latent.dim(0)));
  }

  Prior prior_;
  AggregateDivergence divergence_;
};

}  // namespace

std::unique_ptr<Model> make_decomposition_vae(const ModelSettings& settings, PhiloxRng& rng) {
  return std::make_unique<DecompositionVae>(settings, rng);
}

}  // namespace untangle
