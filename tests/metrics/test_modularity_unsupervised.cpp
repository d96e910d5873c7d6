// Modularity, explicitness, the unsupervised scores and active units: agreement with the
// disentanglement_lib definitions as computed with numpy/scipy/scikit-learn (fixtures) and known answers.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "metrics/active_units.h"
#include "metrics/modularity_explicitness.h"
#include "metrics/symmetric_eigen.h"
#include "metrics/unsupervised.h"
#include "metrics_fixtures.h"

using namespace untangle;
using namespace untangle::test;

TEST_CASE("modularity, explicitness and unsupervised scores agree with the reference on the fixtures") {
  for (const char* scenario : kScenarios) {
    CAPTURE(scenario);
    LabelledCodes train = load_fixture(scenario, "train"), test = load_fixture(scenario, "test");
    // Modularity is closed-form over the same MI matrix as MIG: rounding only.
    CHECK(std::abs(modularity_score(train).modularity - sklearn_value(scenario, "modularity")) < 1e-9);
    // Explicitness goes through logistic regression (sklearn stops lbfgs early): ROC-AUC moves little.
    ExplicitnessResult explicitness = explicitness_score(train, test);
    CHECK(std::abs(explicitness.explicitness_train - sklearn_value(scenario, "explicitness_train")) < 0.005);
    CHECK(std::abs(explicitness.explicitness_test - sklearn_value(scenario, "explicitness_test")) < 0.005);
    UnsupervisedResult unsupervised = unsupervised_scores(train);
    // Closed-form linear algebra in double: relative 1e-6 covers eigen-solver vs LAPACK rounding.
    CHECK(unsupervised.gaussian_total_correlation ==
          doctest::Approx(sklearn_value(scenario, "gaussian_total_correlation")).epsilon(1e-6));
    CHECK(unsupervised.gaussian_wasserstein_correlation ==
          doctest::Approx(sklearn_value(scenario, "gaussian_wasserstein_correlation"))
              .epsilon(1e-5)
              .scale(1e-9));
    CHECK(unsupervised.gaussian_wasserstein_correlation_norm ==
          doctest::Approx(sklearn_value(scenario, "gaussian_wasserstein_correlation_norm"))
              .epsilon(1e-5)
              .scale(1e-9));
    CHECK(unsupervised.mutual_info_score ==
          doctest::Approx(sklearn_value(scenario, "mutual_info_score")).epsilon(1e-9));
  }
}

TEST_CASE("unsupervised known answers: a 2-d Gaussian with correlation rho") {
  // Σ = [[1, ρ], [ρ, 1]]: TC = −½ log(1 − ρ²); W = 2·2 − 2 (sqrt(1 + ρ) + sqrt(1 − ρ)).
  PhiloxRng rng(8);
  const double rho = 0.6;
  LabelledCodes points = random_factors(200000, {2}, 1);
  points = with_codes(points, 2,
                      [&](const int64_t*, size_t i, size_t) { return i == 0 ? rng.next_normal() : 0.0; });
  for (size_t n = 0; n < points.num_points; ++n)
    points.codes[n * 2 + 1] = rho * points.codes[n * 2] + std::sqrt(1 - rho * rho) * rng.next_normal();
  UnsupervisedResult result = unsupervised_scores(points);
  // Sampling error of the covariance with 2e5 points is ~0.003 in each entry.
  CHECK(result.gaussian_total_correlation == doctest::Approx(-0.5 * std::log(1 - rho * rho)).epsilon(0.03));
  CHECK(result.gaussian_wasserstein_correlation ==
        doctest::Approx(4 - 2 * (std::sqrt(1 + rho) + std::sqrt(1 - rho))).epsilon(0.05));
}

TEST_CASE("symmetric eigenvalues of a known matrix") {
  // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
  std::vector<double> eigenvalues = symmetric_eigenvalues({2, 1, 1, 2}, 2);
  std::sort(eigenvalues.begin(), eigenvalues.end());
  CHECK(eigenvalues[0] == doctest::Approx(1.0));
  CHECK(eigenvalues[1] == doctest::Approx(3.0));
}

TEST_CASE("modularity known answers: identity codes are modular, one code for two factors is not") {
  LabelledCodes points = random_factors(4000, {4, 4}, 5);
  // Code 0 = factor 0; code 1 = 4·factor 0 + factor 1 takes 16 values that the 20 bins keep apart, so
  // MI(code 1, factor 0) = MI(code 1, factor 1) = ln 4 (up to sampling): δ_1 = 1, modularity_1 = 0.
  LabelledCodes mixed = with_codes(points, 2, [](const int64_t* f, size_t i, size_t) {
    return i == 0 ? double(f[0]) : double(f[0] * 4 + f[1]);
  });
  ModularityResult result = modularity_score(mixed);
  CHECK(result.per_code[0] > 0.99);
  // The two plug-in MIs are both ln 4 computed on the same 16-cell table: equal up to factor imbalance.
  CHECK(result.per_code[1] < 0.02);
}

TEST_CASE("active units count units whose mean posterior variance is below 0.8") {
  // 2 points x 3 units: unit 0 informative (σ² 0.1), unit 1 at the prior (σ² 1), unit 2 at 0.8 exactly.
  std::vector<double> variances = {0.1, 1.0, 0.8, 0.1, 1.0, 0.8};
  ActiveUnitsResult result = active_units(variances, 2, 3);
  CHECK(result.num_active == 1);
  CHECK(result.active[0]);
  CHECK_FALSE(result.active[2]);
}
