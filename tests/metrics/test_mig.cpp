// MIG: exact agreement with the definition as scikit-learn/numpy compute it (fixtures), hand-computable
// cases, and the invariances the definition implies.
#include <doctest/doctest.h>

#include <cmath>

#include "metrics/discretize.h"
#include "metrics/mig.h"
#include "metrics_fixtures.h"

using namespace untangle;
using namespace untangle::test;

TEST_CASE("histogram_discretize reproduces np.digitize over np.histogram edges") {
  // Edges over [0, 20] are 0, 1, ..., 20: a value on an inner edge goes up, the maximum into bin 20.
  std::vector<double> values = {0.0, 0.5, 1.0, 19.0, 19.99, 20.0, 7.0};
  std::vector<int64_t> expected = {1, 1, 2, 20, 20, 20, 8};
  CHECK(histogram_discretize(values) == expected);
  // A constant latent is one bin (numpy widens its range to [x - 0.5, x + 0.5]).
  std::vector<int64_t> constant = histogram_discretize({3.0, 3.0, 3.0});
  CHECK(constant[0] == constant[1]);
  CHECK(constant[1] == constant[2]);
}

TEST_CASE("mutual information of a hand-computed contingency table") {
  // a determines b up to a coin flip on half the points: MI = H(b) - H(b|a) = ln 3 - (1/2) ln 2... computed
  // by hand: joint counts (a,b): (0,0)=2, (1,1)=1, (1,2)=1 over N=4 -> MI = 0.5 ln(4*2/(2*2)) + 2*0.25
  // ln(4/(2*1)) = ln 2.
  std::vector<int64_t> a = {0, 0, 1, 1}, b = {0, 0, 1, 2};
  CHECK(mutual_information(a, b) == doctest::Approx(std::log(2.0)).epsilon(1e-14));
  CHECK(discrete_entropy(b) == doctest::Approx(1.5 * std::log(2.0)).epsilon(1e-14));
  // Independent labels: exactly zero (clipped like sklearn's).
  CHECK(mutual_information({0, 0, 1, 1}, {0, 1, 0, 1}) == doctest::Approx(0.0));
}

TEST_CASE("MIG equals the scikit-learn definition to 1e-6 on the fixtures") {
  for (const char* scenario : kScenarios) {
    CAPTURE(scenario);
    MigResult result = mig_score(load_fixture(scenario, "train"));
    CHECK(std::abs(result.mig - sklearn_value(scenario, "mig")) < 1e-6);
  }
}

TEST_CASE("MIG known answers: identity codes give 1, independent codes give about 0") {
  LabelledCodes points = random_factors(4000, {10, 10, 10}, 7);
  // Identity codes with 10 values per factor: each latent's 20 bins refine its factor exactly,
  // so MI(latent j, factor j) = H(factor j) and MI with the other (independent) factors is ~0.
  LabelledCodes identity =
      with_codes(points, 3, [](const int64_t* f, size_t i, size_t) { return double(f[i]); });
  CHECK(mig_score(identity).mig > 0.99);
  PhiloxRng rng(11);
  LabelledCodes noise =
      with_codes(points, 3, [&](const int64_t*, size_t, size_t) { return rng.next_normal(); });
  // Plug-in MI of independent variables is biased upward by ~ (bins-1)(values-1)/(2N) nats ≈ 0.02;
  // the gap between two such biases is far smaller.
  CHECK(std::abs(mig_score(noise).mig) < 0.03);
}

TEST_CASE("MIG is invariant to permuting codes and to monotone rescaling of a code") {
  LabelledCodes points = load_fixture("mixed", "train");
  const double base = mig_score(points).mig;
  LabelledCodes permuted = with_codes(points, points.num_codes, [&](const int64_t*, size_t i, size_t n) {
    return points.code(n, (i + 2) % points.num_codes);
  });
  CHECK(mig_score(permuted).mig == doctest::Approx(base).epsilon(1e-12));
  // An affine increasing map keeps equal-width bins equal-width, so the bins (and MI) are unchanged
  // up to values that sit on a bin edge — none in continuous data.
  LabelledCodes rescaled = with_codes(points, points.num_codes, [&](const int64_t*, size_t i, size_t n) {
    return 3.0 * points.code(n, i) + 1.0;
  });
  CHECK(mig_score(rescaled).mig == doctest::Approx(base).epsilon(1e-9));
}
