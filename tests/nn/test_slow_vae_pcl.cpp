// The two temporal-pair models (nn/model_slow_vae.cpp, nn/model_pcl.cpp) against independent references:
// the Laplace cross-entropy's closed form against a numerical integral; the Slow-VAE loss recomputed here
// in double from the model's weights (its Laplace term by that integral, not the closed form); PCL's
// logits and loss recomputed from the encoder's weights and the coefficients, with the permutation read
// off the op; and both objectives' gradients against finite differences.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "autograd/gradcheck.h"
#include "core/check.h"
#include "model_recompute.h"
#include "nn/laplace_prior.h"
#include "nn/model.h"

using namespace untangle;

namespace {

using testing::affine, testing::Matrix, testing::parameter, testing::rows, testing::Vector;

constexpr int kPairs = 3, kLatents = 2, kHeight = 2, kWidth = 3, kPixels = kHeight * kWidth;
constexpr double kPi = 3.14159265358979323846;

// -integral N(z; mean, s^2) log Laplace(z; location, rate) dz by composite Simpson over mean +- 12 s, the
// interval split at the kink z = location so each piece is smooth (error far below float's).
double laplace_cross_entropy_by_quadrature(double mean, double s, double location, double rate) {
  auto integrand = [&](double z) {
    const double density = std::exp(-0.5 * (z - mean) * (z - mean) / (s * s)) / (s * std::sqrt(2 * kPi));
    return density * (-std::log(rate / 2) + rate * std::abs(z - location));
  };
  auto simpson = [&](double low, double high) {
    const int n = 4000;  // even
    const double h = (high - low) / n;
    double total = integrand(low) + integrand(high);
    for (int i = 1; i < n; ++i) total += (i % 2 ? 4 : 2) * integrand(low + i * h);
    return total * h / 3;
  };
  const double low = mean - 12 * s, high = mean + 12 * s;
  if (location <= low || location >= high) return simpson(low, high);
  return simpson(low, location) + simpson(location, high);
}

ModelSettings tiny_settings(const std::string& model) {
  ModelSettings s = default_model_settings(model);
  s.architecture = "linear";
  s.channels = 1, s.height = kHeight, s.width = kWidth, s.latents = kLatents;
  return s;
}

std::unique_ptr<Model> build(const ModelSettings& settings, uint64_t seed = 5) {
  return testing::randomised_model(settings, seed);
}

Tensor images(uint64_t seed, int count = kPairs) {
  return testing::uniform_images(seed, count, kHeight, kWidth);
}

std::map<std::string, double> run(const Model& model, const Batch& batch, uint64_t noise_seed,
                                  double* objective = nullptr) {
  PhiloxRng rng(noise_seed);
  Tape tape;
  TrainingLoss loss = model.training_loss(tape, batch, rng, 0);
  std::map<std::string, double> terms;
  for (const LoggedTerm& t : loss.terms) terms[t.name] = t.read();
  if (objective) *objective = loss.objective.item();
  return terms;
}

doctest::Approx near(double value) {
  return doctest::Approx(value).epsilon(2e-5);  // float sums of a few dozen terms of this scale
}

double softplus(double v) {
  return std::max(v, 0.0) + std::log1p(std::exp(-std::abs(v)));
}

// Central differences of the objective against backward() for every parameter element, at one fixed
// noise seed (the same permutation and noise in every evaluation). Bound: 2e-3 + 1% of the derivative —
// epsilon 1e-2 in float on losses of order 1-100.
void check_parameter_gradients(const Model& model, const Batch& batch, uint64_t noise_seed,
                               const std::string& skip_containing) {
  {
    PhiloxRng rng(noise_seed);
    Tape tape;
    TrainingLoss loss = model.training_loss(tape, batch, rng, 0);
    tape.backward(loss.objective);
  }
  const ParameterList parameters = model.parameters();
  size_t checked = 0;
  for (const NamedTensor& p : parameters.items()) {
    if (!skip_containing.empty() && p.name.find(skip_containing) != std::string::npos) continue;
    for (size_t i = 0; i < p.tensor.numel(); ++i) {
      float* value = p.tensor.data() + i;
      const float original = *value, epsilon = 1e-2f;
      double up = 0, down = 0;
      *value = original + epsilon;
      run(model, batch, noise_seed, &up);
      *value = original - epsilon;
      run(model, batch, noise_seed, &down);
      *value = original;
      const double numeric = (up - down) / (2 * epsilon), analytic = p.tensor.grad()[i];
      INFO(p.name << "[" << i << "]: analytic " << analytic << " numeric " << numeric);
      CHECK(std::abs(analytic - numeric) < 2e-3 + 1e-2 * std::abs(numeric));
      ++checked;
    }
  }
  CHECK(checked > 20);
}

}  // namespace

TEST_CASE("the Laplace cross-entropy's closed form equals the integral -E_q[log Laplace]") {
  // (m = mean - location, s, rate): centred, small and large offsets against s, narrow and wide posteriors.
  const double cases[][3] = {{0.0, 1.0, 6.0},  {0.3, 0.5, 6.0},    {-2.0, 0.1, 1.0}, {1.5, 2.0, 3.0},
                             {5.0, 0.2, 10.0}, {-0.05, 0.02, 6.0}, {0.7, 3.0, 0.5},  {-1.0, 1.0, 6.0}};
  for (const auto& c : cases) {
    const double m = c[0], s = c[1], rate = c[2], location = 0.4;
    CAPTURE(m);
    CAPTURE(s);
    CAPTURE(rate);
    Tape tape = Tape::evaluation();
    const GaussianCode q{Tensor::full({1, 1}, float(location + m)),
                         Tensor::full({1, 1}, float(2 * std::log(s)))};
    const double closed_form =
        laplace_cross_entropy(tape, q, Tensor::full({1, 1}, float(location)), float(rate)).item();
    // Bound 1e-5 relative: a dozen float operations, each within an ulp, on values of the result's scale.
    CHECK(
        closed_form ==
        doctest::Approx(laplace_cross_entropy_by_quadrature(location + m, s, location, rate)).epsilon(1e-5));
  }
  // Far from the location the cross-entropy approaches -log(rate/2) + rate |m| (the Laplace's own
  // log-density).
  Tape tape = Tape::evaluation();
  const GaussianCode far{Tensor::full({1, 1}, 30.0f), Tensor::full({1, 1}, 0.0f)};
  CHECK(laplace_cross_entropy(tape, far, Tensor::full({1, 1}, 0.0f), 2.0f).item() ==
        doctest::Approx(2.0 * 30.0).epsilon(1e-6));
}

TEST_CASE(
    "the Laplace cross-entropy's gradients (finite differences) reach mean, log-variance and location") {
  PhiloxRng rng(11);
  auto random = [&](float low, float high) {
    Tensor t = Tensor::zeros({3, 4});
    rng.fill_uniform(t.data(), t.numel(), low, high);
    t.set_requires_grad(true);
    return t;
  };
  Tensor mean = random(-1.5f, 1.5f), log_variance = random(-2.0f, 1.0f), location = random(-1.5f, 1.5f);
  GradcheckResult result = gradcheck(
      [](Tape& t, const std::vector<Tensor>& in) {
        return laplace_cross_entropy(t, {in[0], in[1]}, in[2], 6.0f);
      },
      {mean, log_variance, location});
  INFO(result.worst_location);
  CHECK(result.checked == 36);
  CHECK(result.passed);
}

TEST_CASE("Slow-VAE: 2 recon + beta KL + gamma (CE_laplace both ways - H over all images), recomputed") {
  const Tensor frames_t = images(1), frames_next = images(2);
  for (LossReduction reduction : {LossReduction::Sum, LossReduction::Mean}) {
    const bool per_latent = reduction == LossReduction::Mean;
    CAPTURE(per_latent);
    ModelSettings s = tiny_settings("slow_vae");
    s.reconstruction.reduction = reduction;
    s.beta = 1.5f, s.gamma = 2.5f, s.rate_prior = 4.0f;  // distinct, so a swapped weight shows
    auto model = build(s);

    // The posterior of all 2P images, frames t first (the model's order, so the noise rows match).
    Matrix flat = rows(frames_t, kPixels), flat_next = rows(frames_next, kPixels);
    flat.insert(flat.end(), flat_next.begin(), flat_next.end());
    const Matrix mean = affine(flat, *model, "encoder.mean"),
                 log_variance = affine(flat, *model, "encoder.log_variance");
    PhiloxRng noise_rng(7);
    std::vector<float> noise(size_t(2 * kPairs) * kLatents);
    noise_rng.fill_normal(noise.data(), noise.size());
    Matrix z = mean;
    for (int r = 0; r < 2 * kPairs; ++r)
      for (int d = 0; d < kLatents; ++d)
        z[r][d] += std::exp(0.5 * log_variance[r][d]) * noise[size_t(r) * kLatents + d];
    const Matrix logits = affine(z, *model, "decoder.output");

    double reconstruction = 0, kl = 0, entropy = 0, cross_entropy = 0, sparsity = 0;
    for (int r = 0; r < 2 * kPairs; ++r) {
      for (int p = 0; p < kPixels; ++p) {
        const double probability = 1 / (1 + std::exp(-logits[r][p])), target = flat[r][p];
        reconstruction -= target * std::log(probability) + (1 - target) * std::log(1 - probability);
      }
      for (int d = 0; d < kLatents; ++d) {
        const double mu = mean[r][d], lv = log_variance[r][d];
        kl += 0.5 * (mu * mu + std::exp(lv) - lv - 1);
        entropy += 0.5 * (lv + std::log(2 * kPi * std::exp(1.0)));
      }
    }
    for (int p = 0; p < kPairs; ++p)
      for (int d = 0; d < kLatents; ++d) {
        const double mu_t = mean[p][d], mu_next = mean[kPairs + p][d];
        const double s_t = std::exp(0.5 * log_variance[p][d]),
                     s_next = std::exp(0.5 * log_variance[kPairs + p][d]);
        cross_entropy += laplace_cross_entropy_by_quadrature(mu_t, s_t, mu_next, s.rate_prior) +
                         laplace_cross_entropy_by_quadrature(mu_next, s_next, mu_t, s.rate_prior);
        sparsity += std::abs(mu_t - mu_next) / (kPairs * kLatents);
      }
    // Per image (2P of them) or per pair (P); the mean reduction also per pixel or per latent.
    reconstruction /= 2 * kPairs * (per_latent ? kPixels : 1);
    kl /= 2 * kPairs * (per_latent ? kLatents : 1);
    entropy /= 2 * kPairs * (per_latent ? kLatents : 1);  // the reference's quirk: over images, not pairs
    cross_entropy /= kPairs * (per_latent ? kLatents : 1);
    const double kl_laplace = cross_entropy - entropy;
    const double loss = 2 * reconstruction + s.beta * kl + s.gamma * kl_laplace;

    double objective = 0;
    auto terms = run(*model, {frames_t, frames_next, {}}, 7, &objective);
    CHECK(terms["reconstruction"] == near(reconstruction));
    CHECK(terms["kl"] == near(kl));
    CHECK(terms["kl_laplace"] == near(kl_laplace));
    CHECK(terms["sparsity"] == near(sparsity));
    CHECK(terms["elbo"] == near(reconstruction + kl));
    CHECK(terms["loss"] == near(loss));
    CHECK(objective == near(loss));
  }
}

TEST_CASE("Slow-VAE: temporal pairs, the reference's defaults, a graph-capturable step, readable errors") {
  ModelSettings s = default_model_settings("slow_vae");
  CHECK(s.beta == 1.0f);
  CHECK(s.gamma == 10.0f);
  CHECK(s.rate_prior == 6.0f);
  auto model = build(tiny_settings("slow_vae"));
  CHECK(model->pair_sampling() == PairSampling::Temporal);
  CHECK(model->has_decoder());
  CHECK(model->can_capture_step());
  PhiloxRng rng(1);
  Tape tape;
  CHECK_THROWS_WITH_AS(model->training_loss(tape, {images(1), {}, {}}, rng, 0),
                       doctest::Contains("needs x_pair"), Error);
  ModelSettings bad = tiny_settings("slow_vae");
  bad.rate_prior = 0.0f;
  CHECK_THROWS_WITH_AS(build(bad), doctest::Contains("rate_prior must be positive"), Error);
}

TEST_CASE("PCL: logistic regression of r(h1, h2) on true pairs against permuted ones, recomputed") {
  ModelSettings s = tiny_settings("pcl");
  {  // The reference's initial coefficients: a = 1, b = -1, c = 0, d = 0.
    PhiloxRng rng(5);
    auto fresh = make_model(s, rng);
    CHECK(parameter(*fresh, "pcl.a").to_vector() == std::vector<float>(kLatents, 1.0f));
    CHECK(parameter(*fresh, "pcl.b").to_vector() == std::vector<float>(kLatents, -1.0f));
    CHECK(parameter(*fresh, "pcl.c").to_vector() == std::vector<float>(kLatents, 0.0f));
    CHECK(parameter(*fresh, "pcl.d").to_vector() == std::vector<float>{0.0f});
    CHECK(!fresh->has_decoder());
    CHECK(fresh->pair_sampling() == PairSampling::Temporal);
    Tape tape = Tape::evaluation();
    CHECK_THROWS_WITH_AS(fresh->reconstruct(tape, images(1)), doctest::Contains("has no decoder"), Error);
  }
  auto model = build(s);
  const std::vector<float> a = {0.7f, -1.2f}, b = {-0.4f, 0.9f}, c = {0.1f, -0.3f}, d = {0.25f};
  std::copy(a.begin(), a.end(), parameter(*model, "pcl.a").data());
  std::copy(b.begin(), b.end(), parameter(*model, "pcl.b").data());
  std::copy(c.begin(), c.end(), parameter(*model, "pcl.c").data());
  std::copy(d.begin(), d.end(), parameter(*model, "pcl.d").data());

  const Tensor frames_t = images(3), frames_next = images(4);
  const Matrix h2 = affine(rows(frames_t, kPixels), *model, "encoder.mean");     // frame t
  const Matrix h1 = affine(rows(frames_next, kPixels), *model, "encoder.mean");  // frame t+1
  // The permutation the model draws next from the noise stream, read off a column of row indices.
  const uint64_t noise_seed = 9;
  Tape evaluation = Tape::evaluation();
  PhiloxRng copy(noise_seed);
  const Tensor row_index = Tensor::from_vector({0, 1, 2}, {kPairs, 1});
  const std::vector<float> permuted = permute_rows(evaluation, row_index, copy).to_vector();
  std::vector<int> permutation(permuted.begin(), permuted.end());
  REQUIRE(permutation != std::vector<int>{0, 1, 2});  // this seed moves some rows, so the test can see it

  auto r = [&](const Vector& first, const Vector& second) {
    double penalty = 0, energy = 0;
    for (int i = 0; i < kLatents; ++i) {
      penalty += std::abs(a[i] * first[i] + b[i] * second[i] + c[i]);
      energy += first[i] * first[i];
    }
    return -penalty + energy + d[0];
  };
  double loss = 0, unpermuted_loss = 0, correct = 0;
  for (int p = 0; p < kPairs; ++p) {
    const double positive = r(h1[p], h2[p]), negative = r(h1[p], h2[size_t(permutation[p])]);
    loss += (softplus(-positive) + softplus(negative)) / (2 * kPairs);  // BCE: label 1, then label 0
    unpermuted_loss += (softplus(-positive) + softplus(positive)) / (2 * kPairs);
    correct += (positive > 0) + (negative < 0);
  }
  double objective = 0;
  auto terms = run(*model, {frames_t, frames_next, {}}, noise_seed, &objective);
  CHECK(terms["loss"] == near(loss));
  CHECK(objective == near(loss));
  CHECK(terms["accuracy"] == near(correct / (2 * kPairs)));
  // Without the permutation the negatives would be the positives: a different loss, which this test sees.
  CHECK(std::abs(loss - unpermuted_loss) > 1e-3);
  // The encoder's means are the representation, as for a VAE.
  const Matrix encoded = rows(model->encode(evaluation, frames_next).mean, kLatents);
  for (int p = 0; p < kPairs; ++p)
    for (int i = 0; i < kLatents; ++i) CHECK(encoded[p][i] == near(h1[p][i]));
}

TEST_CASE("a few hundred Adam steps on a fixed batch of pairs separate PCL's true pairs from permuted ones") {
  ModelSettings s = tiny_settings("pcl");
  s.optimizer.learning_rate = 1e-2f;
  auto model = build(s);
  std::vector<Adam> optimisers;
  for (const ParameterGroup& group : model->parameter_groups())
    optimisers.emplace_back(group.parameters, group.hyperparameters);
  // Frames t+1 are frames t slightly moved, so a true pair's features can be told from another pair's.
  // 8 pairs: a random permutation keeps one negative with its own partner on average (that pair costs
  // at least ln 2 / 8 whatever the model does).
  const Tensor frames_t = images(40, 8), frames_next = images(40, 8);
  PhiloxRng jitter(41);
  for (size_t i = 0; i < frames_next.numel(); ++i)
    frames_next.data()[i] += 0.05f * (jitter.next_uniform() - 0.5f);
  PhiloxRng rng(42);
  double first = 0, last = 0;
  const int steps = 300;
  for (int step = 0; step < steps; ++step) {
    Tape tape;
    TrainingLoss loss = model->training_loss(tape, {frames_t, frames_next, {}}, rng, step);
    REQUIRE(std::isfinite(loss.objective.item()));
    tape.backward(loss.objective);
    for (Adam& adam : optimisers) {
      adam.step();
      adam.zero_grad();
    }
    if (step < 20) first += loss.terms[0].read() / 20;
    if (step >= steps - 20) last += loss.terms[0].read() / 20;
  }
  INFO("loss " << first << " -> " << last);
  CHECK(first == doctest::Approx(std::log(2.0)).epsilon(0.05));  // near chance at the start
  CHECK(last < 0.6 * first);
}

TEST_CASE("Slow-VAE's objective has the gradient its finite differences say, with the reference's weights") {
  auto model = build(tiny_settings("slow_vae"));  // beta 1, gamma 10, lambda 6
  check_parameter_gradients(*model, {images(20), images(21), {}}, 22, "");
}

TEST_CASE("PCL's objective has the gradient its finite differences say, away from the |.| kinks") {
  auto model = build(tiny_settings("pcl"), 6);
  const Batch batch{images(30), images(31), {}};
  const uint64_t noise_seed = 32;
  // The check is only valid where no a h1 + b h2 + c crosses 0 within +-epsilon: a step of 1e-2 in any
  // parameter moves these by at most ~0.03 here (|x| <= 1, |a|, |b|, |h| < 1.5), so require a margin of 0.05.
  const Matrix h2 = affine(rows(batch.x, kPixels), *model, "encoder.mean");
  const Matrix h1 = affine(rows(batch.x_pair, kPixels), *model, "encoder.mean");
  Tape evaluation = Tape::evaluation();
  PhiloxRng copy(noise_seed);
  const std::vector<float> permutation =
      permute_rows(evaluation, Tensor::from_vector({0, 1, 2}, {kPairs, 1}), copy).to_vector();
  const std::vector<float> a = parameter(*model, "pcl.a").to_vector(),
                           b = parameter(*model, "pcl.b").to_vector(),
                           c = parameter(*model, "pcl.c").to_vector();
  double closest = 1e9, largest_feature = 0;
  for (int p = 0; p < kPairs; ++p)
    for (int partner : {p, int(permutation[size_t(p)])})
      for (int i = 0; i < kLatents; ++i) {
        closest = std::min(closest, std::abs(a[i] * h1[p][i] + b[i] * h2[partner][i] + c[i]));
        largest_feature = std::max({largest_feature, std::abs(h1[p][i]), std::abs(h2[partner][i])});
      }
  INFO("closest to a kink: " << closest << ", largest feature " << largest_feature);
  REQUIRE(closest > 0.05);
  REQUIRE(largest_feature < 1.5);
  // The log-variance head is not part of PCL's loss (it receives no gradient).
  check_parameter_gradients(*model, batch, noise_seed, "log_variance");
}

TEST_CASE("the temporal models' settings: rate_prior is a named field") {
  ModelSettings s = default_model_settings("slow_vae");
  s.rate_prior = 2.5f;
  std::map<std::string, std::string> fields;
  for (const auto& [name, value] : model_settings_to_fields(s)) fields[name] = value;
  CHECK(fields["rate_prior"] == "2.5");
  CHECK(model_settings_from_fields(fields).rate_prior == 2.5f);
  set_model_setting(s, "rate_prior", "7");
  CHECK(s.rate_prior == 7.0f);
}
