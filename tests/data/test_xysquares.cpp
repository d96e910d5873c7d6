// XYSquares against the reference's numbers (docs/reference/datasets.md "xysquares"): the centring offsets
// per spacing, the pixel rule, and the constant pixel MSE between positions at spacing 8.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/check.h"
#include "data/xysquares.h"
#include "kernels/cpu/philox.h"

using namespace untangle;

namespace {
// The offsets table of docs/reference/datasets.md "xysquares", for s = 1..8 (not recomputed from the
// formula).
const int kReferenceOffsets[9] = {0, 24, 21, 17, 14, 10, 7, 3, 0};

double mean_squared_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += double(a[i] - b[i]) * double(a[i] - b[i]);
  return sum / double(a.size());
}
}  // namespace

TEST_CASE("xysquares: offsets, factor grid and every pixel match the reference rule") {
  PhiloxRng rng(7);
  for (int s = 1; s <= 8; ++s) {
    XYSquaresDataset data(s);
    CHECK(data.offset() == kReferenceOffsets[s]);
    CHECK(data.size() == 262144u);  // 8^6
    CHECK(data.channels() == 3);
    std::vector<float> image(data.observation_size());
    for (int trial = 0; trial < 50; ++trial) {
      size_t index = size_t(rng.next_below(data.size()));
      std::vector<size_t> f = data.index_to_factors(index);
      data.render(index, image.data());
      // Pixel (c, y, x) is 1 exactly inside square c: x in [off + s*fx, +8), y in [off + s*fy, +8).
      int wrong = 0;
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 64; ++y)
          for (int x = 0; x < 64; ++x) {
            int x0 = kReferenceOffsets[s] + s * int(f[size_t(2 * c)]),
                y0 = kReferenceOffsets[s] + s * int(f[size_t(2 * c + 1)]);
            float expected = (x >= x0 && x < x0 + 8 && y >= y0 && y < y0 + 8) ? 1.0f : 0.0f;
            wrong += image[size_t(c * 4096 + y * 64 + x)] != expected;
          }
      CHECK(wrong == 0);
    }
  }
  // Worked examples of disent's XYSquaresData: s=1 gives x in 24..31, s=4 gives {14, 18, ..., 42}.
  CHECK(XYSquaresDataset(1).pixel_of(7) == 31);
  CHECK(XYSquaresDataset(4).pixel_of(0) == 14);
  CHECK(XYSquaresDataset(4).pixel_of(7) == 42);
}

TEST_CASE("xysquares: pixel MSE along a factor is 16*min(s*|d|, 8)/12288, constant 0.0104167 at s = 8") {
  for (int s = 1; s <= 8; ++s) {
    XYSquaresDataset data(s);
    std::vector<size_t> base = {3, 5, 0, 7, 2, 2};
    std::vector<float> a(data.observation_size()), b(data.observation_size());
    for (size_t i = 0; i < 8; ++i)
      for (size_t j = i + 1; j < 8; ++j) {
        base[1] = i;  // y_R, the factor of the paper's spacing figure
        data.render(data.factors_to_index(base), a.data());
        base[1] = j;
        data.render(data.factors_to_index(base), b.data());
        double expected = 16.0 * std::min(double(s) * double(j - i), 8.0) / 12288.0;
        CHECK(mean_squared_difference(a, b) == doctest::Approx(expected).epsilon(1e-9));
        if (s == 8) CHECK(mean_squared_difference(a, b) == doctest::Approx(0.0104167).epsilon(1e-5));
      }
  }
}

TEST_CASE("xysquares variants: grey squares overwrite, the single square has 2 factors") {
  XYSquaresDataset grey(8, XYSquaresVariant::Grey);
  CHECK(grey.channels() == 1);
  std::vector<float> image(grey.observation_size());
  // All three squares on the same cell: one 8x8 block of ones, not a sum of 3.
  grey.render(grey.factors_to_index({2, 3, 2, 3, 2, 3}), image.data());
  double total = 0;
  float peak = 0;
  for (float v : image) total += v, peak = std::max(peak, v);
  CHECK(total == 64.0);
  CHECK(peak == 1.0f);
  grey.render(grey.factors_to_index({0, 0, 1, 0, 2, 0}), image.data());
  total = 0;
  for (float v : image) total += v;
  CHECK(total == 3 * 64.0);

  XYSquaresDataset single(3, XYSquaresVariant::Single);
  CHECK(single.factor_sizes() == std::vector<size_t>{8, 8});
  single.render(single.factors_to_index({7, 0}), image.data());
  CHECK(image[size_t(17 * 64 + 38)] == 1.0f);
  CHECK(image[size_t(17 * 64 + 37)] == 0.0f);
  CHECK(image[size_t(16 * 64 + 38)] == 0.0f);
  CHECK_THROWS_AS(XYSquaresDataset(9), Error);
  CHECK_THROWS_AS(XYSquaresDataset(0), Error);
}
