// Ada-GVAE and Ada-ML-VAE, the weakly supervised VAEs of Locatello et al. 2020 (disentanglement_lib
// methods/weak/weak_vae.py; disent AdaVae; docs/reference/models.md "ada_gvae and ada_mlvae"). Each example
// is a pair (x1, x2) that differs in a few factors; latents the pair seems to share are replaced by an
// average of the two posteriors, so the encoder must put shared factors in shared dimensions.
//   per latent d, a divergence between the two posteriors q1 = N(mu1, v1), q2 = N(mu2, v2):
//     asymmetric_kl (disentanglement_lib): delta_d = v1/v2 + (mu2 - mu1)^2/v2 - 1 + log v2 - log v1  (= 2
//     KL(q1||q2)) symmetric_kl  (disent):              delta_d = 0.5 KL(q1||q2) + 0.5 KL(q2||q1)
//   threshold tau = (min_d delta_d + max_d delta_d) / 2, per pair; latents with delta_d < tau are shared
//   (if all delta_d are equal nothing is shared: disent's strict '<'; disentanglement_lib leaves it
//   undefined) shared latents of both posteriors become the average
//     Ada-GVAE:   mu = (mu1 + mu2)/2,                 v = (v1 + v2)/2
//                 (ada_mean_source = second: mu = mu2, as disent computed it until commit 939b64e — its
//                 `0.5 * (d1.mean + d1.mean)`, disent issue #32 — so as the Michlo et al. runs trained)
//     Ada-ML-VAE: v = 2 v1 v2 / (v1 + v2),           mu = (mu1/v1 + mu2/v2) v / 2
//   loss = (recon(x1) + recon(x2))/2 + beta (KL(q1~) + KL(q2~))/2,  z sampled from the new posteriors
// The shared/kept choice is a constant mask (no gradient through the threshold), as in both references.
#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "nn/model.h"

namespace untangle {

namespace {

class AdaVae : public Model {
 public:
  AdaVae(const ModelSettings& settings, PhiloxRng& rng)
      : Model(settings, rng), maximum_likelihood_average_(settings.model == "ada_mlvae") {
    require(settings.ada_divergence == "asymmetric_kl" || settings.ada_divergence == "symmetric_kl",
            "model '", settings.model, "': ada_divergence must be asymmetric_kl or symmetric_kl, got '",
            settings.ada_divergence, "'");
    require(settings.ada_mean_source == "both" || settings.ada_mean_source == "second", "model '",
            settings.model, "': ada_mean_source must be both or second, got '", settings.ada_mean_source,
            "'");
  }

  PairSampling pair_sampling() const override { return PairSampling::Weak; }

  TrainingLoss training_loss(Tape& tape, const Batch& batch, PhiloxRng& rng, long long) const override {
    const ModelSettings& s = settings_;
    require(batch.x_pair.defined() && batch.x_pair.shape() == batch.x.shape(), "model '", s.model,
            "' trains on pairs: the batch needs x_pair with the shape of x");
    GaussianCode first = encode(tape, batch.x), second = encode(tape, batch.x_pair);  // (B, D) each
    Tensor shared = shared_latents_mask(first, second);                               // (B, D) of 0/1
    GaussianCode average = average_posterior(tape, first, second);
    GaussianCode first_adapted = blend(tape, shared, average, first);
    GaussianCode second_adapted = blend(tape, shared, average, second);

    Tensor z1 = sample_gaussian(tape, first_adapted, rng), z2 = sample_gaussian(tape, second_adapted, rng);
    Tensor reconstruction =
        scale(tape,
              add(tape, reconstruction_loss(tape, decode(tape, z1), batch.x, s.reconstruction),
                  reconstruction_loss(tape, decode(tape, z2), batch.x_pair, s.reconstruction)),
              0.5f);
    Tensor kl = scale(tape,
                      add(tape, kl_divergence(tape, first_adapted, s.reconstruction.reduction),
                          kl_divergence(tape, second_adapted, s.reconstruction.reduction)),
                      0.5f);
    Tensor loss = add(tape, reconstruction, scale(tape, kl, s.beta));
    double shared_count = 0.0;
    for (float v : shared.to_vector()) shared_count += v;
    return {loss,
            {{"loss", loss},
             {"reconstruction", reconstruction},
             {"kl", kl},
             {"shared_latents", logged_value(shared_count / batch.x.dim(0))},
             {"elbo", logged_sum(reconstruction, kl)}}};
  }

 private:
  // 1 where latent d of pair b is shared (its divergence is below the pair's midpoint threshold).
  Tensor shared_latents_mask(const GaussianCode& first, const GaussianCode& second) const {
    const int B = first.mean.dim(0), D = first.mean.dim(1);
    const bool symmetric = settings_.ada_divergence == "symmetric_kl";
    // Decided on the host: the mask is a constant of the step (no gradient flows through the choice).
    const std::vector<float> mu_first = first.mean.to_vector(), mu_second = second.mean.to_vector(),
                             lv_first = first.log_variance.to_vector(),
                             lv_second = second.log_variance.to_vector();
    std::vector<float> mask(size_t(B) * D);
    std::vector<double> delta(static_cast<size_t>(D));
    for (int b = 0; b < B; ++b) {
      for (int d = 0; d < D; ++d) {
        const size_t i = size_t(b) * D + d;
        const double mu1 = mu_first[i], mu2 = mu_second[i];
        const double lv1 = lv_first[i], lv2 = lv_second[i];
        // 2 KL(N(m_a, v_a) || N(m_b, v_b)) = v_a/v_b + (m_b - m_a)^2/v_b - 1 + log v_b - log v_a
        auto twice_kl = [](double ma, double lva, double mb, double lvb) {
          return std::exp(lva - lvb) + (mb - ma) * (mb - ma) * std::exp(-lvb) - 1.0 + lvb - lva;
        };
        delta[size_t(d)] = symmetric ? 0.25 * (twice_kl(mu1, lv1, mu2, lv2) + twice_kl(mu2, lv2, mu1, lv1))
                                     : twice_kl(mu1, lv1, mu2, lv2);
      }
      const auto [smallest, largest] = std::minmax_element(delta.begin(), delta.end());
      const double threshold = 0.5 * (*smallest + *largest);
      for (int d = 0; d < D; ++d) mask[size_t(b) * D + d] = delta[size_t(d)] < threshold ? 1.0f : 0.0f;
    }
    return Tensor::from_vector(mask, {B, D}, first.mean.device());
  }

  GaussianCode average_posterior(Tape& tape, const GaussianCode& first, const GaussianCode& second) const {
    Tensor v1 = exp(tape, first.log_variance), v2 = exp(tape, second.log_variance);
    if (!maximum_likelihood_average_) {
      Tensor mean_average = settings_.ada_mean_source == "second"
                                ? second.mean
                                : scale(tape, add(tape, first.mean, second.mean), 0.5f);
      Tensor variance = scale(tape, add(tape, v1, v2), 0.5f);
      return {mean_average, log(tape, variance)};
    }
    Tensor variance = div(tape, scale(tape, mul(tape, v1, v2), 2.0f), add(tape, v1, v2));
    Tensor precision_weighted = add(tape, div(tape, first.mean, v1), div(tape, second.mean, v2));
    return {scale(tape, mul(tape, precision_weighted, variance), 0.5f), log(tape, variance)};
  }

  // shared ? average : own, latent by latent.  shared: (B, D) constant 0/1
  static GaussianCode blend(Tape& tape, const Tensor& shared, const GaussianCode& average,
                            const GaussianCode& own) {
    Tape constant = Tape::evaluation();  // 1 - shared is a constant too
    Tensor kept = sub(constant, Tensor::scalar(1.0f, shared.device()), shared);
    return {add(tape, mul(tape, shared, average.mean), mul(tape, kept, own.mean)),
            add(tape, mul(tape, shared, average.log_variance), mul(tape, kept, own.log_variance))};
  }

  bool maximum_likelihood_average_;
};

}  // namespace

std::unique_ptr<Model> make_ada_vae(const ModelSettings& settings, PhiloxRng& rng) {
  return std::make_unique<AdaVae>(settings, rng);
}

}  // namespace untangle
