// Philox4x32-10: known-answer vectors from the Random123 distribution (kat_vectors), stream
// reproducibility, and the statistics of the uniform and normal fills.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/philox.h"

using namespace untangle;

TEST_CASE("philox4x32_10 matches the Random123 known-answer vectors") {
  PhiloxBlock zero = philox4x32_10({0, 0, 0, 0}, 0, 0);
  CHECK(zero == PhiloxBlock{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
  PhiloxBlock ones =
      philox4x32_10({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, 0xffffffffu, 0xffffffffu);
  CHECK(ones == PhiloxBlock{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
  PhiloxBlock pi =
      philox4x32_10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, 0xa4093822u, 0x299f31d0u);
  CHECK(pi == PhiloxBlock{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});
}

TEST_CASE("same seed gives the same stream, different seeds differ, fills are index-parallel") {
  std::vector<float> a(1001), b(1001), c(1001);
  PhiloxRng(42).fill_uniform(a.data(), a.size());
  PhiloxRng(42).fill_uniform(b.data(), b.size());
  PhiloxRng(43).fill_uniform(c.data(), c.size());
  CHECK(a == b);
  int equal = 0;
  for (size_t i = 0; i < a.size(); ++i) equal += a[i] == c[i];
  CHECK(equal < 5);
  // Splitting a fill in two at a multiple of 4 continues the same stream.
  PhiloxRng rng(42);
  std::vector<float> first(400), second(601);
  rng.fill_uniform(first.data(), first.size());
  rng.fill_uniform(second.data(), second.size());
  CHECK(rng.counter() == 100 + 151);
  for (size_t i = 0; i < 400; ++i) REQUIRE(first[i] == a[i]);
  for (size_t i = 0; i < 601; ++i) REQUIRE(second[i] == a[400 + i]);
  // Resuming from (seed, counter) reproduces the tail.
  PhiloxRng resumed(42, 100);
  std::vector<float> tail(601);
  resumed.fill_uniform(tail.data(), tail.size());
  CHECK(tail == second);
}

TEST_CASE("uniform and normal fills have the right moments") {
  const size_t n = 400000;
  std::vector<float> u(n), z(n);
  PhiloxRng rng(7);
  rng.fill_uniform(u.data(), n);
  rng.fill_normal(z.data(), n);
  double mean_u = 0, mean_z = 0, var_z = 0, min_u = 1, max_u = 0;
  for (size_t i = 0; i < n; ++i) {
    mean_u += u[i];
    mean_z += z[i];
    min_u = std::min<double>(min_u, u[i]);
    max_u = std::max<double>(max_u, u[i]);
  }
  mean_u /= n;
  mean_z /= n;
  for (size_t i = 0; i < n; ++i) var_z += (z[i] - mean_z) * (z[i] - mean_z);
  var_z /= n;
  // Standard errors: uniform mean 0.29/sqrt(n) = 4.6e-4, normal mean 1.6e-3, variance 2.2e-3; bounds are ~5
  // sigma.
  CHECK(std::abs(mean_u - 0.5) < 2.5e-3);
  CHECK(min_u >= 0.0);
  CHECK(max_u < 1.0);
  CHECK(std::abs(mean_z) < 8e-3);
  CHECK(std::abs(var_z - 1.0) < 1.2e-2);
}

TEST_CASE("next_below is unbiased over a small range") {
  PhiloxRng rng(3);
  std::vector<int> counts(6, 0);
  const int draws = 60000;
  for (int i = 0; i < draws; ++i) counts[rng.next_below(6)]++;
  // Each count ~ Binomial(60000, 1/6): mean 10000, sd 91; 5 sd bound.
  for (int c : counts) CHECK(std::abs(c - 10000) < 460);
}
