// SAP and its linear SVM: the SVM's optimality conditions, agreement with scikit-learn's LinearSVC-based
// SAP on the fixtures, and known answers.
#include <doctest/doctest.h>

#include <cmath>

#include "metrics/linear_svm.h"
#include "metrics/sap.h"
#include "metrics_fixtures.h"

using namespace untangle;
using namespace untangle::test;

TEST_CASE("squared-hinge SVM solution satisfies the optimality condition") {
  // Independent check: at the optimum the gradient w − 2 Σ C_i y_i max(0, 1 − y_i w·x̃_i) x̃_i is zero.
  PhiloxRng rng(4);
  const size_t N = 300;
  std::vector<double> x(N * 2), signs(N), costs(N);
  for (size_t n = 0; n < N; ++n) {
    signs[n] = n % 3 == 0 ? 1.0 : -1.0;
    x[n * 2] = rng.next_normal() + signs[n];
    x[n * 2 + 1] = rng.next_normal() * 2;
    costs[n] = signs[n] > 0 ? 0.05 : 0.02;
  }
  std::vector<double> w = solve_squared_hinge_svm(x, N, 2, signs, costs);
  std::vector<double> gradient(w);
  for (size_t n = 0; n < N; ++n) {
    const double xt[3] = {x[n * 2], x[n * 2 + 1], 1.0};
    const double slack = 1 - signs[n] * (w[0] * xt[0] + w[1] * xt[1] + w[2]);
    if (slack > 0)
      for (int p = 0; p < 3; ++p) gradient[size_t(p)] -= 2 * costs[n] * signs[n] * slack * xt[p];
  }
  for (double g : gradient) CHECK(std::abs(g) < 1e-9);
  CHECK(w[0] > 0.1);  // the informative feature gets a positive weight
}

TEST_CASE("SAP agrees with scikit-learn on the fixtures") {
  for (const char* scenario : kScenarios) {
    CAPTURE(scenario);
    LabelledCodes train = load_fixture(scenario, "train"), test = load_fixture(scenario, "test");
    // Issue 4 target: within 0.02 of LinearSVC-based SAP on the same rows.
    CHECK(std::abs(sap_score(train, test).sap - sklearn_value(scenario, "sap")) < 0.02);
    // The continuous variant is closed-form: agreement to rounding.
    CHECK(std::abs(sap_score_continuous(train).sap - sklearn_value(scenario, "sap_continuous")) < 1e-9);
  }
}

TEST_CASE("SAP reproduces liblinear's class weighting on imbalanced classes") {
  // Factors with class frequencies down to 5%: "balanced" weights are far from 1, and liblinear's
  // one-vs-rest gives the rest side plain C. Weighting the rest side too gives SAP 0.361 here instead
  // of scikit-learn's 0.195, so this pins the quirk.
  LabelledCodes train = load_fixture("imbalanced", "train", "factors_imbalanced");
  LabelledCodes test = load_fixture("imbalanced", "test", "factors_imbalanced");
  CHECK(std::abs(sap_score(train, test).sap - sklearn_value("imbalanced", "sap")) < 0.02);
  CHECK(std::abs(sap_score_continuous(train).sap - sklearn_value("imbalanced", "sap_continuous")) < 1e-9);
}

TEST_CASE("SAP known answers: two-valued identity codes give 1, random codes about 0") {
  // Binary factors copied into codes: the own latent classifies perfectly (accuracy 1), every other
  // latent is independent of the factor and balanced weights push it to ~chance 1/2.
  LabelledCodes train = random_factors(2000, {2, 2, 2}, 31), test = random_factors(1000, {2, 2, 2}, 32);
  auto identity = [](const int64_t* f, size_t i, size_t) { return double(f[i]); };
  SapResult perfect = sap_score(with_codes(train, 3, identity), with_codes(test, 3, identity));
  for (size_t j = 0; j < 3; ++j) CHECK(perfect.score_matrix[j * 3 + j] == doctest::Approx(1.0));
  CHECK(perfect.sap == doctest::Approx(0.5).epsilon(0.1));
  CHECK(sap_score_continuous(with_codes(train, 3, identity)).sap > 0.99);
  PhiloxRng rng(3);
  auto noise = [&](const int64_t*, size_t, size_t) { return rng.next_normal(); };
  CHECK(std::abs(sap_score(with_codes(train, 3, noise), with_codes(test, 3, noise)).sap) < 0.05);
}
