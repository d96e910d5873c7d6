// Sampler statistics against the rules of the references (samplers.h), with tolerances of 5 standard
// errors of the estimated quantity: a correct sampler fails such a check with probability < 1e-6,
// and the stream is fixed by the seed, so these tests are deterministic.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "data/dsprites.h"
#include "data/samplers.h"
#include "data/xysquares.h"

using namespace untangle;

namespace {
// |observed - expected| <= 5 standard errors of a frequency estimated from n draws.
void check_frequency(double count, double n, double p) {
  double sigma = std::sqrt(n * p * (1 - p));
  CHECK(std::fabs(count - n * p) <= 5 * sigma);
}
}  // namespace

TEST_CASE("uniform sampler: every factor value equally likely, same seed same draws") {
  XYSquaresDataset data;
  PhiloxRng rng(1);
  const size_t n = 80000;
  std::vector<size_t> indices = sample_uniform_indices(data, n, rng);
  for (size_t k = 0; k < 6; ++k) {
    std::vector<double> counts(8, 0);
    for (size_t index : indices) counts[data.index_to_factors(index)[k]] += 1;
    for (double c : counts) check_frequency(c, double(n), 1.0 / 8);
  }
  PhiloxRng again(1);
  CHECK(sample_uniform_indices(data, n, again) == indices);
  std::vector<size_t> sizes = {3, 6, 40};
  std::vector<double> counts(40, 0);
  for (size_t i = 0; i < 40000; ++i) counts[sample_uniform_factors(sizes, rng)[2]] += 1;
  for (double c : counts) check_frequency(c, 40000, 1.0 / 40);
}

TEST_CASE("weak pairs: the k rule of Locatello et al. / disent") {
  DSpritesDataset data;  // K = 5 factors
  PhiloxRng rng(2);
  const size_t n = 40000;
  std::vector<double> redrawn(6, 0);
  double identical = 0;
  for (size_t i = 0; i < n; ++i) {
    ObservationPair pair = sample_weak_pair(data, rng);
    redrawn[pair.factors_redrawn] += 1;
    std::vector<size_t> a = data.index_to_factors(pair.first), b = data.index_to_factors(pair.second);
    size_t differ = 0;
    for (size_t k = 0; k < 5; ++k) differ += a[k] != b[k];
    REQUIRE(differ <= pair.factors_redrawn);  // redrawn factors may keep their value
    identical += differ == 0;
  }
  // k ~ U{1..4}, then k <- 1 with probability 1/2: P(1) = 1/2 + 1/8, P(2) = P(3) = P(4) = 1/8.
  check_frequency(redrawn[1], n, 0.625);
  for (size_t k = 2; k <= 4; ++k) check_frequency(redrawn[k], n, 0.125);
  CHECK(redrawn[0] == 0);
  CHECK(redrawn[5] == 0);
  // With k = 1 fixed, a pair is identical when the redrawn factor lands on its old value:
  // P = mean over the uniformly chosen factor of 1/size = (1/3 + 1/6 + 1/40 + 1/32 + 1/32) / 5.
  double same = 0;
  for (size_t i = 0; i < n; ++i) {
    ObservationPair pair = sample_weak_pair(data, rng, 1);
    same += pair.first == pair.second;
  }
  check_frequency(same, n, (1.0 / 3 + 1.0 / 6 + 1.0 / 40 + 1.0 / 32 + 1.0 / 32) / 5);
  CHECK(identical > 0);
}

TEST_CASE(
    "temporal pairs: Laplace steps with b = ln(size)/rate, categorical factors fixed, never identical") {
  // The pmf itself against the closed form: size 32 from value 0, rate 1: p(v) ~ exp(-v / ln 32).
  std::vector<double> pmf = laplace_transition_pmf(32, 0, 1.0);
  double normaliser = 0;
  for (int v = 0; v < 32; ++v) normaliser += std::exp(-v / std::log(32.0));
  for (int v = 0; v < 32; v += 5)
    CHECK(pmf[size_t(v)] == doctest::Approx(std::exp(-v / std::log(32.0)) / normaliser).epsilon(1e-12));
  // Rate 2 halves the scale: p(1)/p(0) = exp(-2 / ln 6) for size 6.
  std::vector<double> fast = laplace_transition_pmf(6, 0, 2.0);
  CHECK(fast[1] / fast[0] == doctest::Approx(std::exp(-2.0 / std::log(6.0))).epsilon(1e-12));

  DSpritesDataset data;
  PhiloxRng rng(5);
  const size_t n = 30000;
  // Expected P(x moves by d) averaged over a uniform start, from the pmf; compared for d = 0..3.
  std::vector<double> expected(32, 0);
  for (size_t x0 = 0; x0 < 32; ++x0) {
    std::vector<double> p = laplace_transition_pmf(32, x0, 1.0);
    for (size_t v = 0; v < 32; ++v) expected[size_t(std::abs(int(v) - int(x0)))] += p[v] / 32;
  }
  std::vector<double> steps(32, 0);
  for (size_t i = 0; i < n; ++i) {
    ObservationPair pair = sample_temporal_pair(data, rng);
    std::vector<size_t> a = data.index_to_factors(pair.first), b = data.index_to_factors(pair.second);
    REQUIRE(a[0] == b[0]);  // shape is categorical
    REQUIRE(pair.first != pair.second);
    steps[size_t(std::abs(int(a[3]) - int(b[3])))] += 1;
  }
  // The rare "nothing moved" redraw (P ~ 0.1% here) shifts these by far less than the tolerance.
  for (size_t d = 0; d < 4; ++d) check_frequency(steps[d], n, expected[d]);
}

TEST_CASE("traversals and fixed-factor batches") {
  DSpritesDataset data;
  std::vector<size_t> base = {1, 2, 3, 4, 5};
  std::vector<size_t> sweep = traversal_indices(data, base, 2);
  REQUIRE(sweep.size() == 40);
  for (size_t v = 0; v < 40; ++v) {
    std::vector<size_t> f = data.index_to_factors(sweep[v]);
    CHECK(f == std::vector<size_t>{1, 2, v, 4, 5});
  }
  PhiloxRng rng(9);
  size_t value = 99;
  std::vector<size_t> batch = sample_fixed_factor_batch(data, 3, 64, rng, &value);
  REQUIRE(batch.size() == 64);
  REQUIRE(value < 32);
  std::vector<bool> seen_orientation(40, false);
  for (size_t index : batch) {
    std::vector<size_t> f = data.index_to_factors(index);
    CHECK(f[3] == value);
    seen_orientation[f[2]] = true;
  }
  // The free factors vary: 64 uniform draws from 40 orientations hit ~32 distinct values; >= 20 is
  // a loose floor (a sampler that forgot to vary them would give 1).
  size_t distinct = 0;
  for (bool s : seen_orientation) distinct += s;
  CHECK(distinct >= 20);
}

TEST_CASE("pair batches interleave the pairs and replay from the seed") {
  DSpritesDataset data;
  PhiloxRng a(21), b(21);
  std::vector<size_t> batch = sample_temporal_pair_batch(data, 32, a);
  REQUIRE(batch.size() == 64);
  for (size_t i = 0; i < 32; ++i) {
    ObservationPair pair = sample_temporal_pair(data, b);
    CHECK(batch[2 * i] == pair.first);
    CHECK(batch[2 * i + 1] == pair.second);
  }
  PhiloxRng c(22), d(22);
  std::vector<size_t> weak = sample_weak_pair_batch(data, 16, c, 2);
  for (size_t i = 0; i < 16; ++i) {
    ObservationPair pair = sample_weak_pair(data, d, 2);
    CHECK(weak[2 * i] == pair.first);
    CHECK(weak[2 * i + 1] == pair.second);
  }
}

TEST_CASE("shared-factor pairs (beta-VAE score): the factor agrees within a pair, varies across pairs") {
  DSpritesDataset data;
  PhiloxRng rng(31);
  const size_t n = 20000;
  PairedBatches batches = sample_shared_factor_pairs(data, 1, n, rng);
  REQUIRE(batches.first.size() == n);
  double same_x = 0;
  std::vector<double> scale_counts(6, 0);
  for (size_t i = 0; i < n; ++i) {
    std::vector<size_t> a = data.index_to_factors(batches.first[i]),
                        b = data.index_to_factors(batches.second[i]);
    REQUIRE(a[1] == b[1]);
    scale_counts[a[1]] += 1;
    same_x += a[3] == b[3];
  }
  for (double c : scale_counts) check_frequency(c, n, 1.0 / 6);  // the shared value is uniform
  check_frequency(same_x, n, 1.0 / 32);                          // other factors independent
}

TEST_CASE("temporal pairs, uniform prior: exactly k factors change, each to a uniform different value") {
  DSpritesDataset data;  // K = 5; shape (3 values) is categorical but the uniform prior moves it too
  PhiloxRng rng(41);
  TemporalTransition transition;
  transition.prior = TemporalTransition::Prior::Uniform;
  const size_t n = 40000;
  std::vector<double> changed(6, 0), chosen(5, 0), shape_values(3, 0);
  for (size_t i = 0; i < n; ++i) {
    ObservationPair pair = sample_temporal_pair(data, rng, transition);
    std::vector<size_t> a = data.index_to_factors(pair.first), b = data.index_to_factors(pair.second);
    size_t differ = 0;
    for (size_t k = 0; k < 5; ++k) {
      differ += a[k] != b[k];
      chosen[k] += a[k] != b[k];
    }
    changed[differ] += 1;
    if (a[0] == 0 && b[0] != 0) shape_values[b[0]] += 1;
  }
  // k ~ U{1..4}: each count equally likely; nothing else.
  CHECK(changed[0] == 0);
  CHECK(changed[5] == 0);
  for (size_t k = 1; k <= 4; ++k) check_frequency(changed[k], n, 0.25);
  // A factor is among the k chosen with probability E[k]/5 = 2.5/5, categorical or not.
  for (size_t k = 0; k < 5; ++k) check_frequency(chosen[k], n, 0.5);
  // From shape 0 the new shape is 1 or 2 with equal odds.
  check_frequency(shape_values[1], shape_values[1] + shape_values[2], 0.5);

  transition.k = 2;
  PhiloxRng fixed(42);
  for (size_t i = 0; i < 2000; ++i) {
    ObservationPair pair = sample_temporal_pair(data, fixed, transition);
    std::vector<size_t> a = data.index_to_factors(pair.first), b = data.index_to_factors(pair.second);
    size_t differ = 0;
    for (size_t k = 0; k < 5; ++k) differ += a[k] != b[k];
    REQUIRE(differ == 2);
  }
  transition.k = 6;
  CHECK_THROWS_WITH_AS(sample_temporal_pair(data, fixed, transition),
                       doctest::Contains("k must be -1 or in 1..5"), std::exception);
  CHECK_THROWS_WITH_AS(transition_prior_from_name("gaussian"), doctest::Contains("known: laplace, uniform"),
                       std::exception);
}

TEST_CASE("temporal pairs: rate -1 draws a rate per pair, so steps are on average shorter than at rate 1") {
  // At rate r the scale is ln(size)/r: rate ~ U(1, 10) has mean 5.5, so x moves much less than at rate 1.
  DSpritesDataset data;
  PhiloxRng one(43), random(43);
  TemporalTransition slow, varying;
  varying.rate = -1;
  double step_one = 0, step_random = 0;
  const size_t n = 5000;
  for (size_t i = 0; i < n; ++i) {
    auto step = [&](const ObservationPair& p) {
      return std::abs(int(data.index_to_factors(p.first)[3]) - int(data.index_to_factors(p.second)[3]));
    };
    step_one += step(sample_temporal_pair(data, one, slow));
    step_random += step(sample_temporal_pair(data, random, varying));
  }
  CHECK(step_random < 0.6 * step_one);
}

TEST_CASE("matched pairs (Shu et al.): share keeps only the label factor, change changes only it") {
  DSpritesDataset data;
  PhiloxRng rng(51);
  const size_t n = 40000;
  std::vector<double> labels(5, 0);
  double other_same = 0, label_same = 0;
  for (size_t i = 0; i < n; ++i) {
    MatchedPair pair = sample_matched_pair(data, rng, MatchPairing::Share);
    std::vector<size_t> a = data.index_to_factors(pair.first), b = data.index_to_factors(pair.second);
    REQUIRE(pair.label < 5);
    labels[pair.label] += 1;
    REQUIRE(a[pair.label] == b[pair.label]);
    // x (factor 3, 32 values) is redrawn independently unless it is the label: equal with p = 1/32.
    if (pair.label != 3) other_same += a[3] == b[3];
  }
  for (double c : labels) check_frequency(c, n, 0.2);
  check_frequency(other_same, n - labels[3], 1.0 / 32);

  PhiloxRng change_rng(52);
  double label_count = 0;
  for (size_t i = 0; i < n; ++i) {
    MatchedPair pair = sample_matched_pair(data, change_rng, MatchPairing::Change);
    std::vector<size_t> a = data.index_to_factors(pair.first), b = data.index_to_factors(pair.second);
    for (size_t k = 0; k < 5; ++k)
      if (k != pair.label) REQUIRE(a[k] == b[k]);
    // The label factor is redrawn, so it keeps its value with p = 1/size (orientation: 1/40).
    if (pair.label == 2) {
      label_count += 1;
      label_same += a[2] == b[2];
    }
  }
  check_frequency(label_same, label_count, 1.0 / 40);
  CHECK_THROWS_WITH_AS(match_pairing_from_name("rank"), doctest::Contains("known: share, change"),
                       std::exception);
}
