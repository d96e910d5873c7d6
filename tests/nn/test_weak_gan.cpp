// The weak GAN (nn/weak_gan.h, nn/gan_networks.h, nn/normalization.h), piece by piece against independent
// references: the normalisations against hand formulas (double precision, written out here) and finite
// differences; power iterations against matrices with known singular values; the fake pairs against their
// definition; the discriminator's projection head and the three losses against hand computations; the
// network widths against parameter counts worked out from the reference's layer lists; and the training
// step's order against a step assembled by hand from the public pieces, with two wrong orders shown to end
// elsewhere. (The trainer, resume and eval: tests/apps/test_weak_gan_training.cpp.)
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "autograd/gradcheck.h"
#include "core/check.h"
#include "nn/weak_gan.h"

using namespace untangle;

namespace {

Tensor random_tensor(const Shape& shape, PhiloxRng& rng, float low = -1.0f, float high = 1.0f,
                     bool requires_grad = false) {
  Tensor t = Tensor::zeros(shape);
  rng.fill_uniform(t.data(), t.numel(), low, high);
  t.set_requires_grad(requires_grad);
  return t;
}

// sigma = u W v^T in double, W seen as (O, N).
double spectral_estimate(const Tensor& weight, const Tensor& u, const Tensor& v) {
  const size_t rows = u.numel(), columns = v.numel();
  double sigma = 0;
  for (size_t o = 0; o < rows; ++o)
    for (size_t n = 0; n < columns; ++n)
      sigma += double(u.data()[o]) * weight.data()[o * columns + n] * v.data()[n];
  return sigma;
}

Tensor named(const ParameterList& list, const std::string& name) {
  for (const NamedTensor& item : list.items())
    if (item.name == name) return item.tensor;
  FAIL("no tensor named " << name);
  return {};
}

std::map<std::string, std::vector<float>> snapshot(const ParameterList& list) {
  std::map<std::string, std::vector<float>> values;
  for (const NamedTensor& item : list.items()) values[item.name] = item.tensor.to_vector();
  return values;
}

void restore(const ParameterList& list, const std::map<std::string, std::vector<float>>& values) {
  for (const NamedTensor& item : list.items()) item.tensor.copy_from(values.at(item.name));
}

double max_difference(const std::map<std::string, std::vector<float>>& a,
                      const std::map<std::string, std::vector<float>>& b, const std::string& prefix = "") {
  double worst = 0;
  for (const auto& [name, values] : a) {
    if (name.rfind(prefix, 0) != 0) continue;
    const std::vector<float>& other = b.at(name);
    for (size_t i = 0; i < values.size(); ++i)
      worst = std::max(worst, std::abs(double(values[i]) - other[i]));
  }
  return worst;
}

// A small weak GAN: 16x16 grey images, 3 factors, base width 2 (the reference's shapes scaled down).
ModelSettings small_settings(const std::string& pairing) {
  ModelSettings s = default_model_settings("weak_gan");
  s.channels = 1, s.height = 16, s.width = 16;
  s.factors = 3, s.latents = 3;
  s.gan_channels = 2;
  s.pairing = pairing;
  return s;
}

Batch random_pairs(int batch, int factors, uint64_t seed) {
  PhiloxRng rng(seed);
  Batch b{random_tensor({batch, 1, 16, 16}, rng, 0, 1), random_tensor({batch, 1, 16, 16}, rng, 0, 1), {}};
  for (int i = 0; i < batch; ++i) b.pair_labels.push_back(int(rng.next_below(uint64_t(factors))));
  return b;
}

std::vector<Adam> optimisers_of(const Model& model) {
  std::vector<Adam> optimisers;
  for (const ParameterGroup& group : model.parameter_groups())
    optimisers.emplace_back(group.parameters, group.hyperparameters);
  return optimisers;
}

}  // namespace

TEST_CASE(
    "spectral normalisation: W / (u W v^T), with the gradient its finite differences say (u, v fixed)") {
  PhiloxRng rng(11);
  Tensor weight = random_tensor({3, 2, 2, 2}, rng, -1, 1, true);  // a conv kernel: W is (3, 8)
  SpectralNorm norm(3, 8, rng);
  const std::vector<float> u = norm.u.to_vector(), v = norm.v.to_vector();
  double u_norm = 0, v_norm = 0;
  for (float x : u) u_norm += double(x) * x;
  for (float x : v) v_norm += double(x) * x;
  CHECK(u_norm == doctest::Approx(1.0).epsilon(1e-6));  // the initial vectors are unit rows
  CHECK(v_norm == doctest::Approx(1.0).epsilon(1e-6));

  Tape tape = Tape::evaluation();
  Tensor normalized = divide_by_spectral_estimate(tape, weight, norm.u, norm.v);
  const double sigma = spectral_estimate(weight, norm.u, norm.v);
  for (size_t i = 0; i < weight.numel(); ++i)
    CHECK(normalized.data()[i] == doctest::Approx(weight.data()[i] / sigma).epsilon(1e-5));

  // The gradient flows through sigma too (d sigma / dW = u^T v): leaving it out would fail this check.
  GradcheckResult check = gradcheck(
      [&](Tape& t, const std::vector<Tensor>& in) {
        return divide_by_spectral_estimate(t, in[0], norm.u, norm.v);
      },
      {weight});
  INFO(check.worst_location);
  CHECK(check.checked == 24);
  CHECK(check.passed);
  CHECK_FALSE(norm.u.has_grad());
  CHECK_FALSE(norm.v.has_grad());
}

TEST_CASE("power iterations converge to the largest singular value; evaluation passes leave u and v alone") {
  // W = R_U diag(4, 1.5, 0.5) R_V^T (3 x 4) from Givens rotations, so its singular values are known.
  auto rotation = [](int n, int i, int j, double angle) {
    std::vector<double> r(size_t(n * n), 0.0);
    for (int k = 0; k < n; ++k) r[size_t(k * n + k)] = 1;
    r[size_t(i * n + i)] = r[size_t(j * n + j)] = std::cos(angle);
    r[size_t(i * n + j)] = -std::sin(angle);
    r[size_t(j * n + i)] = std::sin(angle);
    return r;
  };
  auto product = [](const std::vector<double>& a, const std::vector<double>& b, int n) {
    std::vector<double> c(size_t(n * n), 0.0);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        for (int k = 0; k < n; ++k) c[size_t(i * n + j)] += a[size_t(i * n + k)] * b[size_t(k * n + j)];
    return c;
  };
  const std::vector<double> left = product(rotation(3, 0, 1, 0.3), rotation(3, 1, 2, 0.7), 3);
  const std::vector<double> right = product(rotation(4, 0, 3, 1.1), rotation(4, 1, 2, -0.4), 4);
  const double singular[3] = {4.0, 1.5, 0.5};
  std::vector<float> values(12);
  for (int o = 0; o < 3; ++o)
    for (int n = 0; n < 4; ++n) {
      double w = 0;
      for (int k = 0; k < 3; ++k) w += left[size_t(o * 3 + k)] * singular[k] * right[size_t(n * 4 + k)];
      values[size_t(o * 4 + n)] = float(w);
    }
  Tensor weight = Tensor::from_vector(values, {3, 4});
  PhiloxRng rng(12);
  SpectralNorm norm(3, 4, rng);
  double previous = 0;
  for (int iteration = 1; iteration <= 30; ++iteration) {
    power_iteration(weight, norm.u, norm.v);
    const double sigma = spectral_estimate(weight, norm.u, norm.v);
    CAPTURE(iteration);
    // u W v^T of unit vectors never exceeds the top singular value, and the iterates only climb towards it.
    CHECK(sigma <= 4.0 + 1e-5);
    CHECK(sigma >= previous - 1e-6);
    previous = sigma;
  }
  // The error shrinks by (1.5/4)^2 per iteration: far below float precision after 30.
  CHECK(previous == doctest::Approx(4.0).epsilon(1e-5));

  // A rank-one conv kernel a b^T (seen as (2, 4)): one iteration already gives |a| |b| exactly.
  const std::vector<float> a = {0.6f, -1.2f}, b = {0.5f, 2.0f, -1.0f, 0.25f};
  std::vector<float> kernel;
  for (float x : a)
    for (float y : b) kernel.push_back(x * y);
  Tensor rank_one = Tensor::from_vector(kernel, {2, 1, 2, 2});
  SpectralNorm rank_one_norm(2, 4, rng);
  power_iteration(rank_one, rank_one_norm.u, rank_one_norm.v);
  const double expected = std::hypot(0.6, 1.2) * std::sqrt(0.25 + 4.0 + 1.0 + 0.0625);
  CHECK(spectral_estimate(rank_one, rank_one_norm.u, rank_one_norm.v) ==
        doctest::Approx(expected).epsilon(1e-6));

  // Only a training pass runs an iteration.
  SpectralNorm fresh(3, 4, rng);
  const std::vector<float> u0 = fresh.u.to_vector(), v0 = fresh.v.to_vector();
  Tape tape = Tape::evaluation();
  fresh.normalize(tape, weight, ForwardMode::Evaluation);
  CHECK(fresh.u.to_vector() == u0);
  CHECK(fresh.v.to_vector() == v0);
  fresh.normalize(tape, weight, ForwardMode::Training);
  CHECK(fresh.u.to_vector() != u0);
  CHECK(fresh.v.to_vector() != v0);
}

TEST_CASE("batch norm: batch statistics and running updates in training, running statistics in evaluation") {
  PhiloxRng rng(13);
  for (const Shape& shape : {Shape{4, 3}, Shape{3, 2, 2, 2}}) {
    CAPTURE(shape_string(shape));
    const bool images = shape.size() == 4;
    const int N = shape[0], F = shape[1], spatial = images ? shape[2] * shape[3] : 1;
    BatchNorm norm(F);
    rng.fill_uniform(norm.scale.data(), size_t(F), 0.5f, 2.0f);
    rng.fill_uniform(norm.bias.data(), size_t(F), -0.5f, 0.5f);
    Tensor x = random_tensor(shape, rng, -2, 3);
    auto at = [&](int n, int f, int s) { return size_t((n * F + f) * spatial + s); };

    // Hand statistics per feature, in double.
    std::vector<double> mean(size_t(F), 0.0), variance(size_t(F), 0.0);
    const double count = double(N * spatial);
    for (int f = 0; f < F; ++f) {
      for (int n = 0; n < N; ++n)
        for (int s = 0; s < spatial; ++s) mean[size_t(f)] += x.data()[at(n, f, s)] / count;
      for (int n = 0; n < N; ++n)
        for (int s = 0; s < spatial; ++s)
          variance[size_t(f)] += std::pow(x.data()[at(n, f, s)] - mean[size_t(f)], 2) / count;
    }
    Tape tape = Tape::evaluation();
    Tensor y = norm.forward(tape, x, ForwardMode::Training);
    for (int n = 0; n < N; ++n)
      for (int f = 0; f < F; ++f)
        for (int s = 0; s < spatial; ++s) {
          const double expected = (x.data()[at(n, f, s)] - mean[size_t(f)]) /
                                      std::sqrt(variance[size_t(f)] + 1e-5) * norm.scale.data()[f] +
                                  norm.bias.data()[f];
          CHECK(y.data()[at(n, f, s)] == doctest::Approx(expected).epsilon(1e-5));
        }
    // Running statistics after one training pass from (0, 1): the unbiased variance, and for images once
    // more x N/(N-1) (the reference's quirk).
    for (int f = 0; f < F; ++f) {
      const double correction = count / (count - 1) * (images ? double(N) / (N - 1) : 1.0);
      CHECK(norm.running_mean.data()[f] == doctest::Approx(0.1 * mean[size_t(f)]).epsilon(1e-5));
      CHECK(norm.running_variance.data()[f] ==
            doctest::Approx(0.9 + 0.1 * variance[size_t(f)] * correction).epsilon(1e-5));
    }

    // Evaluation: the running statistics, which the pass leaves as they are.
    const std::vector<float> running_mean = norm.running_mean.to_vector(),
                             running_variance = norm.running_variance.to_vector();
    Tensor z = norm.forward(tape, x, ForwardMode::Evaluation);
    for (int n = 0; n < N; ++n)
      for (int f = 0; f < F; ++f)
        for (int s = 0; s < spatial; ++s) {
          const double expected = (x.data()[at(n, f, s)] - running_mean[size_t(f)]) /
                                      std::sqrt(double(running_variance[size_t(f)]) + 1e-5) *
                                      norm.scale.data()[f] +
                                  norm.bias.data()[f];
          CHECK(z.data()[at(n, f, s)] == doctest::Approx(expected).epsilon(1e-5));
        }
    CHECK(norm.running_mean.to_vector() == running_mean);
    CHECK(norm.running_variance.to_vector() == running_variance);

    // The training pass's gradient, through the batch statistics too.
    x.set_requires_grad(true);
    GradcheckResult check = gradcheck(
        [&](Tape& t, const std::vector<Tensor>& in) { return norm.forward(t, in[0], ForwardMode::Training); },
        {x, norm.scale, norm.bias});
    INFO(check.worst_location);
    CHECK(check.checked == x.numel() + 2 * size_t(F));
    CHECK(check.passed);
  }
  BatchNorm norm(2);
  Tape tape = Tape::evaluation();
  CHECK_THROWS_WITH_AS(norm.forward(tape, Tensor::zeros({1, 2}), ForwardMode::Training),
                       doctest::Contains("at least 2 examples"), Error);
}

TEST_CASE(
    "weight norm divides each row by sqrt(|row|^2 + epsilon), with the gradient finite differences say") {
  PhiloxRng rng(14);
  Tensor kernel = random_tensor({3, 4}, rng, -0.3f, 0.3f, true);  // small rows, so epsilon = 1e-3 matters
  Tape tape = Tape::evaluation();
  Tensor rows = normalize_rows(tape, kernel, 1e-3f);
  for (int r = 0; r < 3; ++r) {
    double squared = 0;
    for (int k = 0; k < 4; ++k) squared += std::pow(double(kernel.data()[r * 4 + k]), 2);
    for (int k = 0; k < 4; ++k)
      CHECK(rows.data()[r * 4 + k] ==
            doctest::Approx(kernel.data()[r * 4 + k] / std::sqrt(squared + 1e-3)).epsilon(1e-5));
  }
  GradcheckResult check = gradcheck(
      [](Tape& t, const std::vector<Tensor>& in) { return normalize_rows(t, in[0], 1e-3f); }, {kernel});
  INFO(check.worst_location);
  CHECK(check.checked == 12);
  CHECK(check.passed);
}

TEST_CASE("fake pairs: share keeps only the label's coordinate in common, change only the label's apart") {
  const int B = 300, Z = 7, K = 5;  // two nuisance coordinates
  for (const std::string pairing : {"share", "change"}) {
    CAPTURE(pairing);
    PhiloxRng rng(15), copy(15);
    FakePairs pairs = sample_fake_pairs(B, Z, K, pairing, Device::CPU, rng);
    // The draws, in the documented order: z1, then z2's own values, then the labels.
    std::vector<float> z1(B * Z), z2_drawn(B * Z);
    copy.fill_normal(z1.data(), z1.size());
    copy.fill_normal(z2_drawn.data(), z2_drawn.size());
    CHECK(pairs.z1.to_vector() == z1);
    const std::vector<float> z2 = pairs.z2.to_vector();
    std::vector<int> label_counts(K, 0);
    for (int b = 0; b < B; ++b) {
      const int y = pairs.labels[size_t(b)];
      REQUIRE(y == int(copy.next_below(K)));
      ++label_counts[size_t(y)];
      for (int j = 0; j < Z; ++j) {
        const bool common = j < K && (pairing == "share" ? j == y : j != y);
        const size_t i = size_t(b * Z + j);
        CAPTURE(b);
        CAPTURE(j);
        CHECK(z2[i] == (common ? z1[i] : z2_drawn[i]));
      }
    }
    // Uniform labels: 60 expected per label, standard deviation ~6.9.
    for (int count : label_counts) CHECK(std::abs(count - 60) < 25);
  }
  PhiloxRng rng(1);
  CHECK_THROWS_WITH_AS(sample_fake_pairs(4, 3, 3, "rank", Device::CPU, rng),
                       doctest::Contains("share or change"), Error);
  CHECK_THROWS_AS(sample_fake_pairs(4, 2, 3, "share", Device::CPU, rng), Error);
}

TEST_CASE(
    "the discriminator's logit = unconditional head + projection onto the label's weight-normalised row") {
  PhiloxRng rng(16);
  GanShape shape{1, 16, 16, 3, 3, 1};
  GanDiscriminator discriminator(shape, rng);
  ParameterList parameters, buffers;
  discriminator.collect(parameters, "d");
  discriminator.collect_buffers(buffers, "d");
  // Make the class rows distinct in length (one below sqrt(1e-3), where the epsilon dominates).
  Tensor embedding = named(parameters, "d.head.class_embedding");  // (3, 8)
  REQUIRE(embedding.shape() == Shape{3, 8});
  for (int k = 0; k < 8; ++k) embedding.data()[k] *= 0.01f;
  Tensor x1 = random_tensor({4, 1, 16, 16}, rng, 0, 1), x2 = random_tensor({4, 1, 16, 16}, rng, 0, 1);
  const std::vector<int> labels = {0, 2, 1, 0};
  Tape tape = Tape::evaluation();
  Tensor h = discriminator.pair_features(tape, x1, x2, ForwardMode::Evaluation, false);  // (4, 8)
  Tensor logits =
      discriminator.forward(tape, x1, x2, one_hot(labels, 3, Device::CPU), ForwardMode::Evaluation);
  REQUIRE(logits.shape() == Shape{4, 1});
  Tensor w = named(parameters, "d.head.unconditional.weight");  // (1, 8)
  const double sigma = spectral_estimate(w, named(buffers, "d.head.unconditional.spectral_norm.u"),
                                         named(buffers, "d.head.unconditional.spectral_norm.v"));
  for (int b = 0; b < 4; ++b) {
    const int y = labels[size_t(b)];
    double row_squared = 0;
    for (int k = 0; k < 8; ++k) row_squared += std::pow(double(embedding.data()[y * 8 + k]), 2);
    double unconditional = 0, projection = 0;
    for (int k = 0; k < 8; ++k) {
      const double feature = h.data()[b * 8 + k];
      unconditional += feature * w.data()[k] / sigma;
      projection += feature * embedding.data()[y * 8 + k] / std::sqrt(row_squared + 1e-3);
    }
    CAPTURE(b);
    CHECK(logits.data()[b] == doctest::Approx(unconditional + projection).epsilon(1e-5));
  }
  // The frozen pass computes the same logit, but a loss on it reaches no weight of the discriminator.
  x1.set_requires_grad(true);
  Tape recording;
  Tensor frozen = discriminator.forward_frozen(recording, x1, x2, one_hot(labels, 3, Device::CPU),
                                               ForwardMode::Evaluation);
  CHECK(frozen.to_vector() == logits.to_vector());
  recording.backward(sum(recording, frozen));
  for (const NamedTensor& p : parameters.items()) CHECK_FALSE(p.tensor.has_grad());
  double input_gradient = 0;
  for (float g : x1.grad_vector()) input_gradient += std::abs(g);
  CHECK(input_gradient > 0);
}

TEST_CASE("the three losses on a small case, recomputed by hand") {
  const std::vector<float> logits = {2.0f, -1.0f, 0.5f, -3.0f};  // 2 real pairs, then 2 fake pairs
  auto softplus = [](double x) { return std::log1p(std::exp(x)); };
  Tape tape = Tape::evaluation();
  const double discriminator = (softplus(-2.0) + softplus(1.0) + softplus(0.5) + softplus(-3.0)) / 4;
  CHECK(gan_discriminator_loss(tape, Tensor::from_vector(logits, {4, 1})).item() ==
        doctest::Approx(discriminator).epsilon(1e-6));
  const double generator = (softplus(-2.0) + softplus(1.0) + softplus(-0.5) + softplus(3.0)) / 4;
  CHECK(gan_generator_loss(tape, Tensor::from_vector(logits, {4, 1})).item() ==
        doctest::Approx(generator).epsilon(1e-6));

  // -mean_b sum_j log N(z; m, s^2), s^2 = e^l.
  const std::vector<float> m = {0.1f, -0.4f, 1.0f, 0.0f, 0.3f, -2.0f},
                           l = {0.0f, -1.0f, 0.5f, 2.0f, -3.0f, 0.2f},
                           z = {0.5f, -0.2f, 0.0f, 1.5f, 0.25f, -1.0f};
  double expected = 0;
  for (size_t i = 0; i < z.size(); ++i) {
    const double s = std::exp(0.5 * l[i]);
    expected -= -0.5 * std::pow((z[i] - m[i]) / s, 2) - std::log(s) - 0.5 * std::log(2 * 3.141592653589793);
  }
  expected /= 2;  // mean over the batch of 2 (each row has 3 coordinates)
  GaussianCode code{Tensor::from_vector(m, {2, 3}), Tensor::from_vector(l, {2, 3})};
  CHECK(gan_encoder_loss(tape, code, Tensor::from_vector(z, {2, 3})).item() ==
        doctest::Approx(expected).epsilon(1e-6));
}

TEST_CASE(
    "the networks have the reference's widths (parameter counts worked out from networks.py and gan.gin)") {
  // dSprites: 64x64x1, Z = K = 5, base width 32. Hand counts (weights + biases):
  //   generator 5*128+128, 128*1024+1024, convT 64*64*16+64, 64*32*16+32, 32*32*16+32, 32*1*16+1, and
  //     batch-norm scale and bias on 128, 1024, 64, 32, 32 features: 250,753
  //   encoder conv 1*32*16+32, 32*32*16+32, 32*64*16+64, 64*64*16+64, dense 1024*128+128, 128*10+10: 247,882
  //   discriminator conv 1*64*16+64, 64*64*16+64, 64*128*16+128, 128*128*16+128, dense 2048*256+256,
  //     neck 512*256+256, 256*256+256, unconditional head 256 (no bias), class rows 5*256: 1,183,360
  ModelSettings s = default_model_settings("weak_gan");
  s.factors = 5, s.latents = 5;
  PhiloxRng rng(17);
  WeakGan model(s, rng);
  const std::vector<ParameterGroup> groups = model.parameter_groups();
  REQUIRE(groups.size() == 3);
  CHECK(groups[WeakGan::kGenerator].name == "generator");
  CHECK(groups[WeakGan::kGenerator].parameters.total_values() == 250753u);
  CHECK(groups[WeakGan::kEncoder].name == "encoder");
  CHECK(groups[WeakGan::kEncoder].parameters.total_values() == 247882u);
  CHECK(groups[WeakGan::kDiscriminator].name == "discriminator");
  CHECK(groups[WeakGan::kDiscriminator].parameters.total_values() == 1183360u);
  // Buffers: running mean and variance per batch-norm feature (2 * 1280), and u (rows) + v (row length) for
  // each spectrally normalised layer: encoder (32+16) + (32+512) + (64+512) + (64+1024) + (128+1024) +
  // (10+128); discriminator (64+16) + (64+1024) + (128+1024) + (128+2048) + (256+2048) + (256+512) +
  // (256+256) + (1+256).
  CHECK(model.buffers().total_values() == 2560u + 3546u + 8337u);
  // Shu et al.'s optimisers: Adam(0.5, 0.999, 1e-8), lr 1e-3 for each network.
  for (const ParameterGroup& group : groups) {
    CAPTURE(group.name);
    CHECK(group.hyperparameters.learning_rate == 1e-3f);
    CHECK(group.hyperparameters.beta1 == 0.5f);
    CHECK(group.hyperparameters.beta2 == 0.999f);
    CHECK(group.hyperparameters.epsilon == 1e-8f);
  }
  CHECK(model.pair_sampling() == PairSampling::Matched);
  Tape tape = Tape::evaluation();
  Tensor x = Tensor::zeros({2, 1, 64, 64});
  CHECK(model.encode(tape, x).mean.shape() == Shape{2, 5});
  CHECK(model.reconstruct(tape, x).shape() == x.shape());
}

TEST_CASE("weak_gan refuses settings it cannot train with, naming them") {
  auto build = [](ModelSettings s) {
    PhiloxRng rng(1);
    return make_model(s, rng);
  };
  ModelSettings s = small_settings("share");
  CHECK(build(s)->settings().model == "weak_gan");
  s.architecture = "conv";
  CHECK_THROWS_WITH_AS(build(s), doctest::Contains("architecture must be 'weak_gan'"), Error);
  s = small_settings("share");
  s.factors = 0;
  CHECK_THROWS_WITH_AS(build(s), doctest::Contains("number of factors"), Error);
  s = small_settings("share");
  s.latents = 2;
  CHECK_THROWS_WITH_AS(build(s), doctest::Contains("latents (2) must be at least"), Error);
  s = small_settings("both");
  CHECK_THROWS_WITH_AS(build(s), doctest::Contains("share or change"), Error);
  s = small_settings("share");
  s.height = 20;
  CHECK_THROWS_WITH_AS(build(s), doctest::Contains("multiples of 16"), Error);
  s = small_settings("share");
  s.reconstruction.kind = ReconstructionKind::Mse;
  CHECK_THROWS_WITH_AS(build(s), doctest::Contains("must be bernoulli"), Error);
}

namespace {

// Phase (1) of a step assembled from the public pieces: fakes without gradient, the discriminator's and
// the encoder's losses, their Adam steps.
// Returns the two losses.
std::pair<double, double> discriminator_and_encoder_step(const WeakGan& model, std::vector<Adam>& adams,
                                                         const Batch& batch, const FakePairs& fakes) {
  Tape untracked = Tape::evaluation();
  Tensor x1_fake = model.fake_images(untracked, fakes.z1, ForwardMode::Training);
  Tensor x2_fake = model.fake_images(untracked, fakes.z2, ForwardMode::Training);
  std::vector<int> labels = batch.pair_labels;
  labels.insert(labels.end(), fakes.labels.begin(), fakes.labels.end());
  Tape tape;
  Tensor logits = model.discriminator().forward(tape, concat(tape, {batch.x, x1_fake}, 0),
                                                concat(tape, {batch.x_pair, x2_fake}, 0),
                                                one_hot(labels, 3, Device::CPU), ForwardMode::Training);
  Tensor discriminator_loss = gan_discriminator_loss(tape, logits);
  Tensor encoder_loss =
      gan_encoder_loss(tape, model.encoder().forward(tape, x1_fake, ForwardMode::Training), fakes.z1);
  tape.backward(add(tape, discriminator_loss, encoder_loss));
  for (int group : {WeakGan::kDiscriminator, WeakGan::kEncoder}) {
    adams[size_t(group)].step();
    adams[size_t(group)].zero_grad();
  }
  return {discriminator_loss.item(), encoder_loss.item()};
}

// Phase (2): the generator's loss through the discriminator as it is now, and the generator's Adam step.
double generator_step(const WeakGan& model, std::vector<Adam>& adams, const FakePairs& fakes) {
  Tape tape;
  Tensor x1_fake = model.fake_images(tape, fakes.z1, ForwardMode::Training);
  Tensor x2_fake = model.fake_images(tape, fakes.z2, ForwardMode::Training);
  Tensor loss = gan_generator_loss(
      tape, model.discriminator().forward_frozen(
                tape, x1_fake, x2_fake, one_hot(fakes.labels, 3, Device::CPU), ForwardMode::Training));
  const double value = loss.item();
  tape.backward(loss);
  adams[WeakGan::kGenerator].step();
  adams[WeakGan::kGenerator].zero_grad();
  return value;
}

}  // namespace

TEST_CASE("train_step updates the discriminator and encoder first, then the generator on fresh fakes") {
  const ModelSettings s = small_settings("change");
  const Batch batch = random_pairs(4, 3, 18);
  auto build = [&] {
    PhiloxRng weights(19);
    return std::make_unique<WeakGan>(s, weights);
  };
  // Two steps of the model's own train_step ...
  auto model = build();
  std::vector<Adam> adams = optimisers_of(*model);
  PhiloxRng noise(20);
  TrainingLoss last;
  for (int step = 0; step < 2; ++step) last = model->train_step(adams, batch, noise, step);

  // ... against the same two steps assembled by hand: (1) with the first draw of fakes, (2) with the second.
  auto by_hand = build();
  std::vector<Adam> hand_adams = optimisers_of(*by_hand);
  PhiloxRng hand_noise(20);
  double discriminator_loss = 0, encoder_loss = 0, generator_loss = 0;
  for (int step = 0; step < 2; ++step) {
    const FakePairs first = sample_fake_pairs(4, 3, 3, "change", Device::CPU, hand_noise);
    const FakePairs fresh = sample_fake_pairs(4, 3, 3, "change", Device::CPU, hand_noise);
    std::tie(discriminator_loss, encoder_loss) =
        discriminator_and_encoder_step(*by_hand, hand_adams, batch, first);
    generator_loss = generator_step(*by_hand, hand_adams, fresh);
  }
  const auto trained = snapshot(model->checkpointed_tensors()),
             assembled = snapshot(by_hand->checkpointed_tensors());
  CHECK(max_difference(trained, assembled) == 0.0);  // the same operations in the same order: bit-identical
  CHECK(noise.counter() == hand_noise.counter());
  // The second step's logged values are those of its phases, and "loss" is their sum.
  REQUIRE(last.terms.size() == 6);
  CHECK(last.terms[1].name == "discriminator_loss");
  CHECK(last.terms[1].read() == discriminator_loss);
  CHECK(last.terms[2].name == "encoder_loss");
  CHECK(last.terms[2].read() == encoder_loss);
  CHECK(last.terms[3].name == "generator_loss");
  CHECK(last.terms[3].read() == generator_loss);
  CHECK(last.terms[0].read() ==
        doctest::Approx(discriminator_loss + encoder_loss + generator_loss).epsilon(1e-6));

  // Two wrong orders end elsewhere, so the comparison above can tell them apart: the generator's step
  // against the discriminator before its update, and on the same fakes as the discriminator's step.
  auto old_discriminator = build(), same_fakes = build();
  std::vector<Adam> old_adams = optimisers_of(*old_discriminator), same_adams = optimisers_of(*same_fakes);
  PhiloxRng old_noise(20), same_noise(20);
  for (int step = 0; step < 2; ++step) {
    const FakePairs first = sample_fake_pairs(4, 3, 3, "change", Device::CPU, old_noise);
    const FakePairs fresh = sample_fake_pairs(4, 3, 3, "change", Device::CPU, old_noise);
    generator_step(*old_discriminator, old_adams, fresh);
    discriminator_and_encoder_step(*old_discriminator, old_adams, batch, first);
    const FakePairs only = sample_fake_pairs(4, 3, 3, "change", Device::CPU, same_noise);
    sample_fake_pairs(4, 3, 3, "change", Device::CPU, same_noise);
    discriminator_and_encoder_step(*same_fakes, same_adams, batch, only);
    generator_step(*same_fakes, same_adams, only);
  }
  CHECK(max_difference(trained, snapshot(old_discriminator->checkpointed_tensors()), "generator.") > 1e-5);
  CHECK(max_difference(trained, snapshot(same_fakes->checkpointed_tensors()), "generator.") > 1e-5);
}

TEST_CASE("training_loss: the same terms, one draw of fakes, each loss training only its own network") {
  const ModelSettings s = small_settings("share");
  const Batch batch = random_pairs(4, 3, 21);
  PhiloxRng weights(22);
  WeakGan model(s, weights);
  const ParameterList everything = model.checkpointed_tensors();
  const auto before = snapshot(everything);

  // The trainer's call on an evaluation tape (for the column names) changes no weight and no buffer.
  PhiloxRng noise(23);
  Tape evaluation = Tape::evaluation();
  TrainingLoss evaluated = model.training_loss(evaluation, batch, noise, 0);
  CHECK(max_difference(before, snapshot(everything)) == 0.0);
  std::vector<Adam> adams = optimisers_of(model);
  PhiloxRng step_noise(23);
  TrainingLoss stepped = model.train_step(adams, batch, step_noise, 0);
  REQUIRE(evaluated.terms.size() == stepped.terms.size());
  for (size_t i = 0; i < evaluated.terms.size(); ++i) CHECK(evaluated.terms[i].name == stepped.terms[i].name);
  restore(everything, before);

  // On a recording tape: objective = discriminator + encoder + generator losses, and backward through it
  // gives each network the gradient of its own loss alone (each term's own backward, from the same state
  // and noise). If the generator's loss reached the discriminator, or the discriminator's the generator,
  // the gradients would differ.
  auto gradients_of = [&](int term) {  // term 0: the objective; otherwise that logged term
    restore(everything, before);
    model.parameters().zero_grad();
    PhiloxRng same_noise(24);
    Tape tape;
    TrainingLoss loss = model.training_loss(tape, batch, same_noise, 0);
    if (term == 0) {
      CHECK(
          loss.objective.item() ==
          doctest::Approx(loss.terms[1].read() + loss.terms[2].read() + loss.terms[3].read()).epsilon(1e-6));
    }
    tape.backward(term == 0 ? loss.objective : loss.terms[size_t(term)].value);
    std::map<std::string, std::vector<float>> gradients;
    const ParameterList parameters = model.parameters();  // items() of a temporary would dangle in the loop
    for (const NamedTensor& p : parameters.items())
      gradients[p.name] =
          p.tensor.has_grad() ? p.tensor.grad_vector() : std::vector<float>(p.tensor.numel(), 0.0f);
    return gradients;
  };
  const auto together = gradients_of(0);
  const auto discriminator_only = gradients_of(1), encoder_only = gradients_of(2),
             generator_only = gradients_of(3);
  const double tolerance = 1e-6;
  CHECK(max_difference(together, discriminator_only, "discriminator.") < tolerance);
  CHECK(max_difference(together, encoder_only, "encoder.") < tolerance);
  CHECK(max_difference(together, generator_only, "generator.") < tolerance);
  // ... and each loss's gradient is not zero, so the comparisons above compare something.
  auto size_of = [](const std::map<std::string, std::vector<float>>& g, const std::string& prefix) {
    double total = 0;
    for (const auto& [name, values] : g)
      if (name.rfind(prefix, 0) == 0)
        for (float v : values) total += std::abs(v);
    return total;
  };
  CHECK(size_of(discriminator_only, "discriminator.") > 1e-3);
  CHECK(size_of(encoder_only, "encoder.") > 1e-3);
  CHECK(size_of(generator_only, "generator.") > 1e-3);
  CHECK(size_of(discriminator_only, "generator.") == 0.0);
  CHECK(size_of(generator_only, "discriminator.") == 0.0);
}
