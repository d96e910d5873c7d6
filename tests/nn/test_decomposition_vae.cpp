// The decomposition VAE (nn/model_decomposition_vae.cpp) on a tiny linear network: its loss recomputed here
// in double precision from the model's weights and the generator's noise (drawn from a copy), the prior's
// parameters in the right group, and the objective's gradient by finite differences for every prior and
// both divergences.
#include <doctest/doctest.h>

#include <cmath>
#include <map>

#include "core/check.h"
#include "model_recompute.h"
#include "nn/model.h"

using namespace untangle;

namespace {

using testing::affine, testing::Matrix, testing::rows, testing::Vector;

constexpr int kBatch = 4, kLatents = 2, kHeight = 2, kWidth = 3, kPixels = kHeight * kWidth;
constexpr double kLogTwoPi = 1.8378770664093453;

ModelSettings tiny(const std::string& prior) {
  ModelSettings s = default_model_settings("decomposition_vae");
  s.architecture = "linear";
  s.channels = 1, s.height = kHeight, s.width = kWidth, s.latents = kLatents;
  s.prior = prior;
  s.prior_variances = prior == "isotropic" ? "" : "1,3";  // s^2 = {0.5, 1.5}
  s.beta = 2.0f;
  return s;
}

struct Terms {
  std::map<std::string, double> values;
  double objective = 0;
};

Terms run(const Model& model, const Tensor& x, uint64_t seed) {
  PhiloxRng rng(seed);
  Tape tape;
  TrainingLoss loss = model.training_loss(tape, {x, {}, {}}, rng, 0);
  Terms terms;
  for (const LoggedTerm& t : loss.terms) terms.values[t.name] = t.read();
  terms.objective = loss.objective.item();
  return terms;
}

// Bernoulli cross-entropy summed over pixels, averaged over the batch.
double bernoulli(const Matrix& logits, const Tensor& x) {
  Matrix target = rows(x, kPixels);
  double total = 0;
  for (int b = 0; b < kBatch; ++b)
    for (int p = 0; p < kPixels; ++p) {
      const double prob = 1 / (1 + std::exp(-logits[size_t(b)][size_t(p)])), t = target[size_t(b)][size_t(p)];
      total -= t * std::log(prob) + (1 - t) * std::log(1 - prob);
    }
  return total / kBatch;
}

}  // namespace

TEST_CASE("decomposition VAE, isotropic prior, alpha 0: exactly the beta-VAE's loss") {
  ModelSettings s = tiny("isotropic");
  ModelSettings beta_vae = s;
  beta_vae.model = "beta_vae";
  auto model = testing::randomised_model(s), reference = testing::randomised_model(beta_vae);
  Tensor x = testing::uniform_images(3, kBatch, kHeight, kWidth);
  CHECK(run(*model, x, 7).objective == doctest::Approx(run(*reference, x, 7).objective).epsilon(1e-6));
}

TEST_CASE("decomposition VAE: recon + beta KL (closed form or one-sample) + alpha D, recomputed") {
  Tensor x = testing::uniform_images(4, kBatch, kHeight, kWidth);
  const double var_p[kLatents] = {0.5, 1.5}, nu = 9;
  for (const char* prior : {"anisotropic", "student_t"}) {
    CAPTURE(prior);
    ModelSettings s = tiny(prior);
    s.alpha = 3.0f;
    auto model = testing::randomised_model(s);
    Matrix flat = rows(x, kPixels);
    Matrix mean = affine(flat, *model, "encoder.mean"),
           log_variance = affine(flat, *model, "encoder.log_variance");
    PhiloxRng noise(9);  // the model draws its posterior noise first, from the same seed
    std::vector<float> eps(size_t(kBatch) * kLatents);
    noise.fill_normal(eps.data(), eps.size());
    Matrix z = mean;
    double kl = 0;
    for (int b = 0; b < kBatch; ++b)
      for (int d = 0; d < kLatents; ++d) {
        const double m = mean[size_t(b)][size_t(d)], lv = log_variance[size_t(b)][size_t(d)];
        const double zd = m + std::exp(0.5 * lv) * eps[size_t(b) * kLatents + size_t(d)];
        z[size_t(b)][size_t(d)] = zd;
        if (std::string(prior) == "anisotropic") {
          kl += 0.5 * ((std::exp(lv) + m * m) / var_p[d] - 1 + std::log(var_p[d]) - lv);
        } else {
          const double log_q = -0.5 * ((zd - m) * (zd - m) / std::exp(lv) + lv + kLogTwoPi);
          const double log_p = std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2) - 0.5 * std::log(nu * M_PI) -
                               0.5 * std::log(var_p[d]) -
                               (nu + 1) / 2 * std::log(1 + zd * zd / (nu * var_p[d]));
          kl += log_q - log_p;
        }
      }
    kl /= kBatch;
    const double reconstruction = bernoulli(affine(z, *model, "decoder.output"), x);
    Terms terms = run(*model, x, 9);
    CHECK(terms.values["reconstruction"] == doctest::Approx(reconstruction).epsilon(2e-5));
    CHECK(terms.values["kl"] == doctest::Approx(kl).epsilon(2e-5));
    REQUIRE(terms.values.count("divergence") == 1);
    CHECK(terms.objective ==
          doctest::Approx(reconstruction + 2.0 * kl + 3.0 * terms.values["divergence"]).epsilon(2e-5));
    CHECK(terms.values["loss"] == doctest::Approx(terms.objective));
  }
}

TEST_CASE("decomposition VAE: a learnt prior variance is trained with the model, a fixed one is a buffer") {
  ModelSettings s = tiny("anisotropic");
  CHECK(testing::randomised_model(s)->buffers().size() == 1);
  s.learn_prior_variance = 1;
  auto model = testing::randomised_model(s);
  CHECK(model->buffers().size() == 0);
  const ParameterList group = model->parameter_groups()[0].parameters;
  bool found = false;
  for (const NamedTensor& p : group.items()) found = found || p.name == "prior.log_variance_weights";
  CHECK(found);
  s.prior = "cauchy";
  CHECK_THROWS_WITH_AS(testing::randomised_model(s), doctest::Contains("unknown prior 'cauchy'"), Error);
  s.prior = "student_t";
  s.divergence = "wasserstein";
  CHECK_THROWS_WITH_AS(testing::randomised_model(s), doctest::Contains("unknown divergence"), Error);
}

TEST_CASE("decomposition VAE: the objective's gradient matches finite differences for every prior and D") {
  Tensor x = testing::uniform_images(5, kBatch, kHeight, kWidth);
  for (const char* prior : {"isotropic", "anisotropic", "student_t", "spike_and_slab"})
    for (const char* divergence : {"mmd", "aggregate_kl"}) {
      CAPTURE(prior);
      CAPTURE(divergence);
      ModelSettings s = tiny(prior);
      s.alpha = 2.0f, s.divergence = divergence, s.learn_prior_variance = 1;
      auto model = testing::randomised_model(s);
      // randomised_model also set the prior weights (a parameter here) to U(-0.6, 0.6)
      {
        PhiloxRng rng(13);
        Tape tape;
        TrainingLoss loss = model->training_loss(tape, {x, {}, {}}, rng, 0);
        tape.backward(loss.objective);
      }
      const ParameterList parameters = model->parameters();
      for (const NamedTensor& p : parameters.items())
        for (size_t i = 0; i < std::min<size_t>(p.tensor.numel(), 3); ++i) {
          float* value = p.tensor.data() + i;
          const float original = *value, epsilon = 1e-2f;
          *value = original + epsilon;
          const double up = run(*model, x, 13).objective;
          *value = original - epsilon;
          const double down = run(*model, x, 13).objective;
          *value = original;
          const double numeric = (up - down) / (2 * epsilon), analytic = p.tensor.grad()[i];
          INFO(p.name << "[" << i << "]: analytic " << analytic << " numeric " << numeric);
          CHECK(std::abs(analytic - numeric) < 3e-3 + 1e-2 * std::abs(numeric));
        }
    }
}
