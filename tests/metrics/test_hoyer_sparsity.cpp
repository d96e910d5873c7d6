// The normalised Hoyer sparsity (metrics/hoyer_sparsity.h) on vectors worked out by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/check.h"
#include "metrics/hoyer_sparsity.h"

using namespace untangle;

TEST_CASE("Hoyer sparsity of hand-computed vectors") {
  const double one_hot[] = {0, -3, 0, 0}, flat[] = {2, -2, 2, 2}, half[] = {1, 1, 0, 0}, zero[] = {0, 0, 0};
  CHECK(hoyer_sparsity(one_hot, 4) == doctest::Approx(1.0));
  CHECK(hoyer_sparsity(flat, 4) == doctest::Approx(0.0));
  // |z|_1 / |z|_2 = 2 / sqrt 2 = sqrt 2; (2 - sqrt 2) / (2 - 1)
  CHECK(hoyer_sparsity(half, 4) == doctest::Approx(2.0 - std::sqrt(2.0)));
  CHECK(std::isnan(hoyer_sparsity(zero, 3)));
  CHECK_THROWS_WITH_AS(hoyer_sparsity(one_hot, 1), doctest::Contains("at least 2 latents"), Error);
}

TEST_CASE("normalised Hoyer sparsity: latents scaled by their standard deviation first") {
  // Latent 0 takes {10, 0, 0} (sample sd sqrt(100/3)), latent 1 {0, 1, 1} (sd sqrt(1/3)). Scaled, the rows
  // are one-hot, one-hot, one-hot: sparsity 1, whatever the raw scales were.
  const std::vector<double> codes = {10, 0, 0, 1, 0, 1};
  CHECK(normalised_hoyer_sparsity(codes, 3, 2) == doctest::Approx(1.0));
  // {1, 1} rows after scaling: latent 0 = {2, 0, 2} (sd 2/sqrt3), latent 1 = {4, 0, 4} (sd 4/sqrt3), so
  // rows 0 and 2 become (sqrt3, sqrt3): sparsity 0; row 1 is all-zero and left out. Mean 0.
  const std::vector<double> equal = {2, 4, 0, 0, 2, 4};
  CHECK(normalised_hoyer_sparsity(equal, 3, 2) == doctest::Approx(0.0));
  // Mixed: rows (1, 0) and (1, 1) of a D = 2 code with latent 0 constant (left unscaled) and latent 1 = {0,
  // 1} (sd 1/sqrt2, scaled to {0, sqrt2}): sparsities 1 and (sqrt2 - (1 + sqrt2)/sqrt3) / (sqrt2 - 1).
  const std::vector<double> mixed = {1, 0, 1, 1};
  const double second = (std::sqrt(2.0) - (1 + std::sqrt(2.0)) / std::sqrt(3.0)) / (std::sqrt(2.0) - 1);
  CHECK(normalised_hoyer_sparsity(mixed, 2, 2) == doctest::Approx((1.0 + second) / 2));
  CHECK_THROWS_WITH_AS(normalised_hoyer_sparsity(mixed, 3, 2), doctest::Contains("4 values for 3 x 2"),
                       Error);
}
