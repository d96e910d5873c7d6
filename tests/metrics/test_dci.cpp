// DCI: agreement with scikit-learn's GradientBoostingClassifier-based values on the fixtures, and the
// known answers of disentanglement_lib's dci_test (diagonal codes, duplicated codes, random codes).
#include <doctest/doctest.h>

#include <cmath>

#include "metrics/dci.h"
#include "metrics/gradient_boosted_trees.h"
#include "metrics_fixtures.h"

using namespace untangle;
using namespace untangle::test;

TEST_CASE("DCI summaries of hand-made importance matrices") {
  // Diagonal importance: every code explains one factor -> both scores 1 (up to the 1e-11 smoothing).
  std::vector<double> diagonal = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  CHECK(dci_disentanglement(diagonal, 3, 3) == doctest::Approx(1.0).epsilon(1e-8));
  CHECK(dci_completeness(diagonal, 3, 3) == doctest::Approx(1.0).epsilon(1e-8));
  // One code explains both factors equally: its disentanglement is 1 - H_2(1/2, 1/2) = 0, and each
  // factor is explained by one of 2 codes, completeness 1.
  std::vector<double> shared(4, 0.0);  // R = [[1, 1], [0, 0]]
  shared[0] = shared[1] = 1.0;
  CHECK(dci_disentanglement(shared, 2, 2) == doctest::Approx(0.0).epsilon(1e-8));
  CHECK(dci_completeness(shared, 2, 2) == doctest::Approx(1.0).epsilon(1e-8));
  // All-zero importance: uniform weights, each row's entropy is maximal -> 0.
  CHECK(dci_disentanglement(std::vector<double>(4, 0.0), 2, 2) == doctest::Approx(0.0).epsilon(1e-8));
}

TEST_CASE("gradient-boosted trees fit a separable problem and rank the informative feature") {
  LabelledCodes points = random_factors(600, {4, 3}, 3);
  PhiloxRng rng(5);
  // Feature 0 is factor 0 plus small noise, feature 1 pure noise.
  std::vector<float> features(600 * 2);
  std::vector<int64_t> labels(600);
  for (size_t n = 0; n < 600; ++n) {
    labels[n] = points.factor(n, 0);
    features[n * 2] = float(labels[n]) + 0.1f * float(rng.next_normal());
    features[n * 2 + 1] = float(rng.next_normal());
  }
  GradientBoostedTreesClassifier classifier;
  classifier.fit(features, 600, 2, labels);
  double correct = 0;
  for (size_t n = 0; n < 600; ++n) correct += classifier.training_predictions()[n] == labels[n];
  CHECK(correct / 600 == doctest::Approx(1.0));
  std::vector<int64_t> predicted = classifier.predict(features, 600);
  CHECK(predicted == classifier.training_predictions());
  std::vector<double> importances = classifier.feature_importances();
  CHECK(importances[0] + importances[1] == doctest::Approx(1.0));
  CHECK(importances[0] > 0.9);
}

TEST_CASE("DCI agrees with scikit-learn on the fixtures") {
  for (const char* scenario : kScenarios) {
    CAPTURE(scenario);
    DciResult result = dci_score(load_fixture(scenario, "train"), load_fixture(scenario, "test"), 1);
    // Issue 4 targets: D and C within 0.02, informativeness within 0.01 of sklearn on the same rows.
    CHECK(std::abs(result.disentanglement - sklearn_value(scenario, "dci.disentanglement")) < 0.02);
    CHECK(std::abs(result.completeness - sklearn_value(scenario, "dci.completeness")) < 0.02);
    CHECK(std::abs(result.informativeness_train - sklearn_value(scenario, "dci.informativeness_train")) <
          0.01);
    CHECK(std::abs(result.informativeness_test - sklearn_value(scenario, "dci.informativeness_test")) < 0.01);
  }
}

TEST_CASE("DCI known answers: identity codes, duplicated codes, random codes") {
  LabelledCodes train_factors = random_factors(800, {6, 6, 6, 6, 6}, 21),
                test_factors = random_factors(400, {6, 6, 6, 6, 6}, 22);
  auto identity = [](const int64_t* f, size_t i, size_t) { return double(f[i]); };
  DciResult diagonal =
      dci_score(with_codes(train_factors, 5, identity), with_codes(test_factors, 5, identity), 1);
  CHECK(diagonal.disentanglement > 0.99);
  CHECK(diagonal.completeness > 0.99);
  CHECK(diagonal.informativeness_test == doctest::Approx(1.0));
  // 10 codes, each factor copied into two of them: trees split either copy at random, so every factor
  // spreads its importance evenly over 2 of the 10 codes: completeness = 1 - ln2/ln10 = 0.699.
  // Disentanglement stays 1 (each code serves one factor). The split is a sum of many coin flips,
  // so it is only close to 1/2: H(0.4, 0.6) is already within 0.02 of ln 2.
  auto duplicated = [](const int64_t* f, size_t i, size_t) { return double(f[i % 5]); };
  DciResult twice =
      dci_score(with_codes(train_factors, 10, duplicated), with_codes(test_factors, 10, duplicated), 1);
  CHECK(twice.completeness == doctest::Approx(1.0 - std::log(2.0) / std::log(10.0)).epsilon(0.02 / 0.7));
  CHECK(twice.disentanglement > 0.99);
  // Codes independent of the factors: near-zero D and C; chance-level test accuracy 1/6.
  PhiloxRng rng(9);
  auto noise = [&](const int64_t*, size_t, size_t) { return rng.next_normal(); };
  DciResult random = dci_score(with_codes(train_factors, 5, noise), with_codes(test_factors, 5, noise), 1);
  CHECK(random.disentanglement < 0.05);
  CHECK(random.completeness < 0.05);
  CHECK(random.informativeness_test == doctest::Approx(1.0 / 6).epsilon(0.35));
}

TEST_CASE("DCI is invariant to permuting the codes") {
  LabelledCodes train = load_fixture("mixed", "train"), test = load_fixture("mixed", "test");
  auto permute = [](const LabelledCodes& p) {
    return with_codes(p, p.num_codes,
                      [&](const int64_t*, size_t i, size_t n) { return p.code(n, (i + 3) % p.num_codes); });
  };
  DciResult base = dci_score(train, test, 1), permuted = dci_score(permute(train), permute(test), 1);
  // Not bit-exact: deep nodes with a few points are split equally well by several features, and the
  // random tie-break (as in sklearn) then picks by position. Measured differences are ~5e-4.
  CHECK(std::abs(permuted.disentanglement - base.disentanglement) < 0.005);
  CHECK(std::abs(permuted.completeness - base.completeness) < 0.005);
  CHECK(std::abs(permuted.informativeness_test - base.informativeness_test) < 0.01);
}

TEST_CASE("DCI is invariant to strictly increasing transforms of a code") {
  // Trees only see the order of each feature: z -> z³ + z (and z -> 2z − 1) keep every partition of the
  // sorted points, so the same splits, importances and predictions follow, up to tie-breaks between
  // equally good splits (as for permutations above) and values merged by float32 rounding.
  LabelledCodes train = load_fixture("warped", "train"), test = load_fixture("warped", "test");
  auto warp = [](const LabelledCodes& p) {
    return with_codes(p, p.num_codes, [&](const int64_t*, size_t i, size_t n) {
      const double z = p.code(n, i);
      return i % 2 ? z * z * z + z : 2 * z - 1;
    });
  };
  DciResult base = dci_score(train, test, 1), warped = dci_score(warp(train), warp(test), 1);
  CHECK(std::abs(warped.disentanglement - base.disentanglement) < 0.005);
  CHECK(std::abs(warped.completeness - base.completeness) < 0.005);
  CHECK(std::abs(warped.informativeness_test - base.informativeness_test) < 0.01);
}
