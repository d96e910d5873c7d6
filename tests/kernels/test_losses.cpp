// The summed binary cross-entropy (kernels/cpu/losses.h), which adds its log terms as the log of their
// product a block at a time, against the textbook sum of log1p terms in long double.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/losses.h"
#include "kernels/cpu/philox.h"

using namespace untangle;

namespace {

long double bce_sum_reference(const std::vector<float>& x, const std::vector<float>& t) {
  long double total = 0.0L;
  for (size_t i = 0; i < x.size(); ++i) {
    const long double v = x[i];
    total += std::max(v, 0.0L) - v * t[i] + std::log1p(std::exp(-std::fabs(v)));
  }
  return total;
}

}  // namespace

TEST_CASE("bce_with_logits_sum matches the sum of log1p terms to float precision, block edges included") {
  PhiloxRng rng(61);
  // Sizes around the 256-element blocks, and past the size at which the blocks run on two threads.
  for (size_t n : {size_t(1), size_t(255), size_t(256), size_t(257), size_t(5000), size_t(70001)}) {
    std::vector<float> x(n), t(n);
    rng.fill_uniform(x.data(), n, -30.0f, 30.0f);  // e^-|x| from 1 down to 1e-13
    rng.fill_uniform(t.data(), n, 0.0f, 1.0f);
    const long double expected = bce_sum_reference(x, t);
    float sum = 0.0f, mean = 0.0f;
    bce_with_logits_sum(x.data(), t.data(), n, 1.0f, &sum);
    bce_with_logits_sum(x.data(), t.data(), n, 1.0f / float(n), &mean);
    CAPTURE(n);
    CHECK(std::fabs(sum - expected) <= 2e-7L * std::fabs(expected));
    CHECK(std::fabs(mean - expected / n) <= 2e-7L * std::fabs(expected / n));
    // The blocks are fixed, whichever thread sums them: the same bits as the blocks summed in order here.
    double serial = 0.0;
    for (size_t first = 0; first < n; first += 256) {
      double linear = 0.0, excess = 0.0;
      for (size_t i = first; i < std::min(n, first + 256); ++i) {
        linear += std::max(double(x[i]), 0.0) - double(x[i]) * t[i];
        excess += std::exp(-std::abs(x[i])) * (1.0 + excess);
      }
      serial += linear + std::log1p(excess);
    }
    CHECK(sum == float(serial));
  }
}

TEST_CASE("bce_with_logits_sum keeps the tiny terms of a confident, correct reconstruction") {
  // Binary targets that every logit gets right by 30 to 60: the linear part is 0 and the whole loss is the
  // log terms, e^-30 to e^-60 each. A product of the factors 1 + e^-|x| would round them away.
  PhiloxRng rng(62);
  const size_t n = 5000;
  std::vector<float> x(n), t(n);
  rng.fill_uniform(x.data(), n, 30.0f, 60.0f);
  for (size_t i = 0; i < n; ++i) {
    t[i] = float(i % 2);
    if (t[i] == 0.0f) x[i] = -x[i];
  }
  const long double expected = bce_sum_reference(x, t);
  float sum = 0.0f;
  bce_with_logits_sum(x.data(), t.data(), n, 1.0f, &sum);
  REQUIRE(expected > 0.0L);
  CHECK(std::fabs(sum - expected) <= 2e-7L * expected);
}

TEST_CASE("bce_with_logits_sum: the log term alone (x = 0: log 2 each), and saturated logits") {
  std::vector<float> x(1000, 0.0f), t(1000, 1.0f);
  float sum = 0.0f;
  bce_with_logits_sum(x.data(), t.data(), x.size(), 1.0f, &sum);
  CHECK(sum == doctest::Approx(1000.0 * std::log(2.0)).epsilon(1e-7));
  // |x| = 100: e^-100 (a float subnormal) adds nothing a float sum can see; the loss is the linear part.
  const std::vector<float> saturated = {100.0f, -100.0f, 100.0f}, targets = {1.0f, 1.0f, 0.0f};
  bce_with_logits_sum(saturated.data(), targets.data(), 3, 1.0f, &sum);
  CHECK(sum == doctest::Approx(200.0).epsilon(1e-7));  // 0 + 100 + 100
  bce_with_logits_sum(saturated.data(), targets.data(), 0, 1.0f, &sum);
  CHECK(sum == 0.0f);
}
