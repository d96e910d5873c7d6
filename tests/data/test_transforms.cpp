// The noise variant and the manipulation hook: the reflection x - 2 relu(x-1) + 2 relu(-x), the noise
// distribution after reflection, determinism per index, and x' = reflect(x + eps m(w)).
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "data/manipulated_dataset.h"
#include "data/noisy_dataset.h"
#include "data/reflect.h"
#include "data/xysquares.h"

using namespace untangle;

TEST_CASE("reflection keeps values in [0, 1] by mirroring at the boundaries") {
  CHECK(reflect_into_unit_range(0.3f) == 0.3f);
  CHECK(reflect_into_unit_range(1.05f) == doctest::Approx(0.95f));
  CHECK(reflect_into_unit_range(-0.05f) == doctest::Approx(0.05f));
  CHECK(reflect_into_unit_range(1.0f) == 1.0f);
  CHECK(reflect_into_unit_range(0.0f) == 0.0f);
}

TEST_CASE("noisy xysquares: background |u| and square 1-|u| with u ~ U(-eps, eps); same index, same noise") {
  const float eps = 0.1f;
  NoisyDataset noisy(std::make_unique<XYSquaresDataset>(8), eps, 123);
  XYSquaresDataset clean(8);
  std::vector<float> a(noisy.observation_size()), b(noisy.observation_size()), c(clean.observation_size());
  const size_t index = clean.factors_to_index({0, 0, 3, 3, 7, 7});
  noisy.render(index, a.data());
  noisy.render(index, b.data());
  CHECK(a == b);
  clean.render(index, c.data());
  // After reflection a background pixel is |u| ~ U(0, eps): mean eps/2, sd eps/sqrt(12).
  double background = 0, square = 0, n_background = 0, n_square = 0;
  float low = 1, high = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    low = std::min(low, a[i]);
    high = std::max(high, a[i]);
    if (c[i] == 0)
      background += a[i], n_background += 1;
    else
      square += 1.0 - a[i], n_square += 1;
    CHECK(std::fabs(a[i] - c[i]) <= eps + 1e-6f);
  }
  CHECK(low >= 0.0f);
  CHECK(high <= 1.0f);
  const double sd = eps / std::sqrt(12.0);
  CHECK(std::fabs(background / n_background - eps / 2) <= 5 * sd / std::sqrt(n_background));
  CHECK(std::fabs(square / n_square - eps / 2) <= 5 * sd / std::sqrt(n_square));
  // Another index gets other noise.
  noisy.render(index + 1, b.data());
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i] && c[i] == 0;
  CHECK(same < 50);
}

namespace {
// m(w) = +1 everywhere for even x_R, -1 for odd: enough to see the sign, the strength and the reflection.
class SignByFactor : public ObservationManipulation {
 public:
  void perturbation(const std::vector<size_t>& factors, float* out_chw) const override {
    for (size_t i = 0; i < 3 * 64 * 64; ++i) out_chw[i] = factors[0] % 2 == 0 ? 1.0f : -1.0f;
  }
};
}  // namespace

TEST_CASE("manipulation hook: x' = reflect(x + eps m(w))") {
  ManipulatedDataset data(std::make_unique<XYSquaresDataset>(8), std::make_shared<SignByFactor>(), 0.1f);
  std::vector<float> image(data.observation_size());
  // x_R = 0 (even): background 0 -> 0.1, square 1 -> 1.1 reflected to 0.9.
  data.render(data.factors_to_index({0, 0, 0, 0, 0, 0}), image.data());
  CHECK(image[0] == doctest::Approx(0.9f));   // inside the red square at (0, 0)
  CHECK(image[63] == doctest::Approx(0.1f));  // background
  // x_R = 1 (odd): background 0 -> -0.1 reflected to 0.1, square 1 -> 0.9.
  data.render(data.factors_to_index({1, 0, 0, 0, 0, 0}), image.data());
  CHECK(image[8] == doctest::Approx(0.9f));
  CHECK(image[63] == doctest::Approx(0.1f));
}

TEST_CASE("manipulation hook: a batch renders exactly as one observation at a time") {
  ManipulatedDataset data(std::make_unique<XYSquaresDataset>(8), std::make_shared<SignByFactor>(), 0.1f);
  const std::vector<size_t> indices = {0, 9, 12345, 77, 262143};
  std::vector<float> batch(indices.size() * data.observation_size()), one(data.observation_size());
  data.render_batch(indices, batch.data());
  for (size_t i = 0; i < indices.size(); ++i) {
    data.render(indices[i], one.data());
    for (size_t p = 0; p < one.size(); ++p) REQUIRE(batch[i * one.size() + p] == one[p]);
  }
}
