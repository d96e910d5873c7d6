// Mathieu et al.'s priors (nn/priors.h), the aggregate divergences (nn/aggregate_divergence.h) and the
// decomposition VAE's loss: each density integrates to 1 (trapezoid rule on a fine 1-D grid), samples have
// the distribution's moments, the MMD matches a hand-computed set and a naive loop, the aggregate KL a
// naive double-precision loop, and every op chain has the gradient finite differences say.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "autograd/gradcheck.h"
#include "core/check.h"
#include "model_recompute.h"
#include "nn/aggregate_divergence.h"
#include "nn/model.h"
#include "nn/priors.h"

using namespace untangle;

namespace {

constexpr double kLogTwoPi = 1.8378770664093453;

// Relative variances {1, 3} over D = 2 normalise to s^2 = 2 {1/4, 3/4} = {0.5, 1.5}.
PriorSettings two_latent_prior(PriorKind kind) {
  PriorSettings s;
  s.kind = kind;
  s.variances = {1.0, 3.0};
  s.degrees_of_freedom = 9.0f;
  s.spike_weight = 0.8f;
  return s;
}
const double kSlabVariance[2] = {0.5, 1.5};

std::vector<double> densities_on_grid(const Prior& prior, const std::vector<float>& grid, int latent) {
  const int n = int(grid.size());
  std::vector<float> z(size_t(n) * 2, 0.0f);
  for (int i = 0; i < n; ++i) z[size_t(i) * 2 + size_t(latent)] = grid[size_t(i)];
  Tape tape = Tape::evaluation();
  std::vector<float> log_p = prior.log_density(tape, Tensor::from_vector(z, {n, 2})).to_vector();
  std::vector<double> p(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) p[size_t(i)] = std::exp(double(log_p[size_t(i) * 2 + size_t(latent)]));
  return p;
}

double trapezoid(const std::vector<double>& values, double step) {
  double total = 0;
  for (size_t i = 1; i < values.size(); ++i) total += 0.5 * (values[i - 1] + values[i]) * step;
  return total;
}

double naive_imq(double a, double b) {
  double total = 0;
  for (double s : {0.1, 0.2, 0.5, 1.0, 2.0, 5.0}) total += 2 * s / (2 * s + (a - b) * (a - b));
  return total;
}

}  // namespace

TEST_CASE("every prior's density integrates to 1 in each latent, and the scales are normalised") {
  // Grid step 2.5e-3 over [-60, 60]: the spike (sd 0.05) spans 40 steps, so the trapezoid error is far
  // below 1e-4; the Student-t(9) tail beyond 60 s holds < 1e-9 of the mass. Float log-densities: 1e-6
  // relative.
  const double step = 2.5e-3;
  std::vector<float> grid;
  for (double z = -60.0; z <= 60.0; z += step) grid.push_back(float(z));
  for (PriorKind kind :
       {PriorKind::Isotropic, PriorKind::Anisotropic, PriorKind::StudentT, PriorKind::SpikeAndSlab}) {
    CAPTURE(prior_kind_name(kind));
    PriorSettings settings = two_latent_prior(kind);
    if (kind == PriorKind::Isotropic) settings.variances.clear();
    Prior prior(settings, 2);
    Tape tape = Tape::evaluation();
    std::vector<float> log_variance = prior.log_variance(tape).to_vector();
    for (int d = 0; d < 2; ++d) {
      const double expected = kind == PriorKind::Isotropic ? 1.0 : kSlabVariance[d];
      CHECK(std::exp(log_variance[size_t(d)]) == doctest::Approx(expected).epsilon(1e-6));
      CHECK(trapezoid(densities_on_grid(prior, grid, d), step) == doctest::Approx(1.0).epsilon(1e-4));
    }
  }
}

TEST_CASE("the densities are the textbook ones at a point") {
  // z = 0.7 in latent 1 (s^2 = 1.5): each value computed here from its formula in double precision.
  const double z = 0.7, var = 1.5;
  const double gaussian = -0.5 * (z * z / var + std::log(var) + kLogTwoPi);
  const double nu = 9;
  const double student = std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2) - 0.5 * std::log(nu * M_PI) -
                         0.5 * std::log(var) - (nu + 1) / 2 * std::log(1 + z * z / (nu * var));
  const double spike =
      0.8 * std::exp(-0.5 * (z * z / 0.0025 + std::log(0.0025) + kLogTwoPi)) + 0.2 * std::exp(gaussian);
  const double expected[] = {gaussian, student, std::log(spike)};
  const PriorKind kinds[] = {PriorKind::Anisotropic, PriorKind::StudentT, PriorKind::SpikeAndSlab};
  for (int k = 0; k < 3; ++k) {
    Prior prior(two_latent_prior(kinds[k]), 2);
    Tape tape = Tape::evaluation();
    std::vector<float> log_p =
        prior.log_density(tape, Tensor::from_vector({0.0f, float(z)}, {1, 2})).to_vector();
    CHECK(log_p[1] == doctest::Approx(expected[k]).epsilon(1e-5));
  }
}

TEST_CASE("prior samples have each distribution's mean and variance") {
  // 40,000 draws per latent; the standard error of a variance is about var sqrt((kurtosis - 1) / N), below
  // 2% even for the Student-t(9) (kurtosis 3 + 6/(nu - 4) = 4.2) and the spike-and-slab mixture; we allow 5%.
  const int count = 40000;
  for (PriorKind kind : {PriorKind::Anisotropic, PriorKind::StudentT, PriorKind::SpikeAndSlab}) {
    CAPTURE(prior_kind_name(kind));
    Prior prior(two_latent_prior(kind), 2);
    PhiloxRng rng(11);
    Tape tape = Tape::evaluation();
    std::vector<float> samples = prior.sample(tape, count, rng).to_vector();
    for (int d = 0; d < 2; ++d) {
      double sum = 0, sum_squares = 0;
      for (int i = 0; i < count; ++i) {
        const double v = samples[size_t(i) * 2 + size_t(d)];
        sum += v, sum_squares += v * v;
      }
      const double mean = sum / count, variance = sum_squares / count - mean * mean;
      double expected = kSlabVariance[d];
      if (kind == PriorKind::StudentT) expected *= 9.0 / 7.0;  // nu / (nu - 2)
      if (kind == PriorKind::SpikeAndSlab) expected = 0.8 * 0.0025 + 0.2 * kSlabVariance[d];
      CHECK(std::abs(mean) < 5 * std::sqrt(expected / count));
      CHECK(variance == doctest::Approx(expected).epsilon(0.05));
    }
  }
}

TEST_CASE("Gamma draws have mean and variance equal to the shape") {
  for (double shape : {0.5, 4.5}) {
    CAPTURE(shape);
    PhiloxRng rng(3);
    const int count = 40000;
    double sum = 0, sum_squares = 0;
    for (int i = 0; i < count; ++i) {
      const double v = sample_gamma(shape, rng);
      sum += v, sum_squares += v * v;
    }
    const double mean = sum / count, variance = sum_squares / count - mean * mean;
    CHECK(mean == doctest::Approx(shape).epsilon(0.03));
    CHECK(variance == doctest::Approx(shape).epsilon(0.08));
  }
}

TEST_CASE("prior log-densities and samples pass gradient checks in z and in the learnt variances") {
  PhiloxRng rng(5);
  Tensor z = Tensor::zeros({3, 2});
  rng.fill_uniform(z.data(), z.numel(), -1.5f, 1.5f);
  z.data()[0] = 0.03f;  // inside the spike, where its component dominates
  z.set_requires_grad(true);
  for (PriorKind kind : {PriorKind::Anisotropic, PriorKind::StudentT, PriorKind::SpikeAndSlab}) {
    CAPTURE(prior_kind_name(kind));
    PriorSettings settings = two_latent_prior(kind);
    settings.learn_variance = true;
    Prior prior(settings, 2);
    GradcheckResult density =
        gradcheck([&](Tape& t, const std::vector<Tensor>& in) { return prior.log_density(t, in[0]); },
                  {z, prior.log_variance_weights()}, {1e-3, 5e-4, 2e-3, 1});
    INFO(density.worst_location);
    CHECK(density.passed);
    CHECK(density.checked == 8);
    GradcheckResult samples = gradcheck(
        [&](Tape& t, const std::vector<Tensor>&) {
          PhiloxRng draws(9);  // the same draws at every evaluation
          return prior.sample(t, 4, draws);
        },
        {prior.log_variance_weights()});
    INFO(samples.worst_location);
    CHECK(samples.passed);
  }
}

TEST_CASE("the prior rejects settings that do not fit") {
  PriorSettings s = two_latent_prior(PriorKind::Anisotropic);
  CHECK_THROWS_WITH_AS(Prior(s, 3), doctest::Contains("2 variances given for 3 latents"), Error);
  s.variances = {1.0, -1.0};
  CHECK_THROWS_WITH_AS(Prior(s, 2), doctest::Contains("not positive"), Error);
  s = two_latent_prior(PriorKind::SpikeAndSlab);
  s.spike_weight = 1.0f;
  CHECK_THROWS_WITH_AS(Prior(s, 2), doctest::Contains("spike weight"), Error);
  CHECK_THROWS_WITH_AS(prior_kind_from_name("laplace"), doctest::Contains("unknown prior 'laplace'"), Error);
}

TEST_CASE("dimension-wise IMQ MMD: a hand-computed pair of sets and a naive loop") {
  // p = {0, 1}, q = {0, 2} in one latent, B = 2. Per C, with k(d2) = C / (C + d2):
  //   within (off-diagonal, / (B - 1) = 1): 2 k(1) + 2 k(4);  cross (x 2/B = 1): k(0) + k(4) + 2 k(1)
  //   MMD = (1/2) sum_C [k(4) - 1]
  double hand = 0;
  for (double C : {0.2, 0.4, 1.0, 2.0, 4.0, 10.0}) hand += 0.5 * (C / (C + 4) - 1);
  Tape tape = Tape::evaluation();
  Tensor small =
      dimensionwise_imq_mmd(tape, Tensor::from_vector({0, 1}, {2, 1}), Tensor::from_vector({0, 2}, {2, 1}));
  CHECK(small.item() == doctest::Approx(hand).epsilon(1e-6));

  const int B = 5, D = 3;
  PhiloxRng rng(8);
  Tensor p = Tensor::zeros({B, D}), q = Tensor::zeros({B, D});
  rng.fill_normal(p.data(), p.numel());
  rng.fill_normal(q.data(), q.numel(), 0.5f, 2.0f);
  double naive = 0;
  for (int d = 0; d < D; ++d) {
    double within = 0, cross = 0;
    for (int i = 0; i < B; ++i)
      for (int j = 0; j < B; ++j) {
        const double pi = p.data()[i * D + d], pj = p.data()[j * D + d], qi = q.data()[i * D + d],
                     qj = q.data()[j * D + d];
        if (i != j) within += naive_imq(pi, pj) + naive_imq(qi, qj);
        cross += naive_imq(pi, qj);
      }
    naive += (within / (B - 1) - 2.0 * cross / B) / B;
  }
  CHECK(dimensionwise_imq_mmd(tape, p, q).item() == doctest::Approx(naive).epsilon(1e-5));
  // With 400 points the estimate is near its expectation: ~0 for two samples of one distribution, clearly
  // positive for N(2, 1) against N(0, 1) (expected 2 (E k(N(0, 2)) - E k(N(2, 2))) = 2.43 by Monte Carlo).
  const int many = 400;
  Tensor a = Tensor::zeros({many, 1}), b = Tensor::zeros({many, 1}), shifted = Tensor::zeros({many, 1});
  rng.fill_normal(a.data(), a.numel());
  rng.fill_normal(b.data(), b.numel());
  rng.fill_normal(shifted.data(), shifted.numel(), 2.0f, 1.0f);
  CHECK(std::abs(dimensionwise_imq_mmd(tape, a, b).item()) < 0.1);
  CHECK(dimensionwise_imq_mmd(tape, a, shifted).item() > 1.0);

  p.set_requires_grad(true), q.set_requires_grad(true);
  GradcheckResult result = gradcheck(
      [](Tape& t, const std::vector<Tensor>& in) { return dimensionwise_imq_mmd(t, in[0], in[1]); }, {p, q});
  INFO(result.worst_location);
  CHECK(result.passed);
}

TEST_CASE("aggregate-posterior KL: a naive double loop, and its gradients") {
  const int B = 4, D = 2;
  PhiloxRng rng(12);
  Tensor samples = Tensor::zeros({B, D}), mean = Tensor::zeros({B, D}), log_variance = Tensor::zeros({B, D});
  rng.fill_normal(samples.data(), samples.numel());
  rng.fill_normal(mean.data(), mean.numel());
  rng.fill_uniform(log_variance.data(), log_variance.numel(), -1.0f, 0.5f);
  PriorSettings settings = two_latent_prior(PriorKind::StudentT);
  settings.learn_variance = true;
  Prior prior(settings, D);
  double naive = 0;
  for (int i = 0; i < B; ++i) {
    double log_p = 0;
    const double nu = 9;
    for (int d = 0; d < D; ++d) {
      const double z = samples.data()[i * D + d], var = kSlabVariance[d];
      log_p += std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2) - 0.5 * std::log(nu * M_PI) -
               0.5 * std::log(var) - (nu + 1) / 2 * std::log(1 + z * z / (nu * var));
    }
    double aggregate = 0;
    for (int j = 0; j < B; ++j) {
      double log_q = 0;
      for (int d = 0; d < D; ++d) {
        const double z = samples.data()[i * D + d], m = mean.data()[j * D + d],
                     lv = log_variance.data()[j * D + d];
        log_q += -0.5 * ((z - m) * (z - m) / std::exp(lv) + lv + kLogTwoPi);
      }
      aggregate += std::exp(log_q) / B;
    }
    naive += (log_p - std::log(aggregate)) / B;
  }
  Tape tape = Tape::evaluation();
  CHECK(aggregate_posterior_kl(tape, prior, samples, {mean, log_variance}).item() ==
        doctest::Approx(naive).epsilon(1e-5));
  for (const Tensor& t : {samples, mean, log_variance}) t.set_requires_grad(true);
  GradcheckResult result = gradcheck(
      [&](Tape& t, const std::vector<Tensor>& in) {
        return aggregate_posterior_kl(t, prior, in[0], {in[1], in[2]});
      },
      {samples, mean, log_variance, prior.log_variance_weights()});
  INFO(result.worst_location);
  CHECK(result.passed);
}
