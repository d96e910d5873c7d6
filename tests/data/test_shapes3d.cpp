// Procedural Shapes3D: a hue factor changes only its own surface's pixels, the regions sit where a
// floor, a back wall and an object should, and the object grows with the scale factor.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "data/shapes3d.h"
#include "kernels/cpu/philox.h"

using namespace untangle;

namespace {
// Pixels (of 64*64) where any channel differs by more than 1e-6.
std::vector<bool> changed_pixels(const std::vector<float>& a, const std::vector<float>& b) {
  std::vector<bool> changed(4096, false);
  for (size_t c = 0; c < 3; ++c)
    for (size_t p = 0; p < 4096; ++p)
      if (std::fabs(a[c * 4096 + p] - b[c * 4096 + p]) > 1e-6f) changed[p] = true;
  return changed;
}
size_t count(const std::vector<bool>& mask) {
  size_t n = 0;
  for (bool b : mask) n += b;
  return n;
}
}  // namespace

TEST_CASE("shapes3d: grid, value range, hue colours") {
  Shapes3DDataset data;
  CHECK(data.size() == 480000u);
  CHECK(data.factor_sizes() == std::vector<size_t>{10, 10, 10, 8, 4, 15});
  CHECK(Shapes3DDataset::scale_value(0) == doctest::Approx(0.75));
  CHECK(Shapes3DDataset::scale_value(7) == doctest::Approx(1.25));
  CHECK(Shapes3DDataset::orientation_degrees(0) == doctest::Approx(-30.0));
  CHECK(Shapes3DDataset::orientation_degrees(14) == doctest::Approx(30.0));
  // HSV(h, 1, 1): hue 0 red, 1/3 green, 2/3 blue, 0.5 cyan.
  CHECK(Shapes3DDataset::hue_to_rgb(0.0) == std::array<float, 3>{1, 0, 0});
  CHECK(Shapes3DDataset::hue_to_rgb(1.0 / 3)[1] == doctest::Approx(1.0));
  CHECK(Shapes3DDataset::hue_to_rgb(0.5)[0] == doctest::Approx(0.0));
  CHECK(Shapes3DDataset::hue_to_rgb(0.5)[2] == doctest::Approx(1.0));
  std::vector<float> image(data.observation_size());
  PhiloxRng rng(3);
  for (int trial = 0; trial < 20; ++trial) {
    data.render(size_t(rng.next_below(data.size())), image.data());
    for (float v : image) REQUIRE((v >= 0.0f && v <= 1.0f));
  }
}

TEST_CASE(
    "shapes3d: each hue factor changes only its region; regions are floor below, wall above, object in the "
    "middle") {
  Shapes3DDataset data;
  PhiloxRng rng(11);
  std::vector<float> a(data.observation_size()), b(data.observation_size());
  for (int trial = 0; trial < 12; ++trial) {
    std::vector<size_t> f = data.index_to_factors(size_t(rng.next_below(data.size())));
    std::vector<std::vector<bool>> region(3);
    for (size_t surface = 0; surface < 3; ++surface) {
      std::vector<size_t> g = f;
      g[surface] =
          (f[surface] + 5) % 10;  // a hue half-way round the wheel: every pixel of the surface changes
      data.render(data.factors_to_index(f), a.data());
      data.render(data.factors_to_index(g), b.data());
      region[surface] = changed_pixels(a, b);
    }
    size_t floor = count(region[0]), wall = count(region[1]), object = count(region[2]);
    // Regions overlap only on edge pixels shared by two surfaces (2x2 sub-samples): at most an
    // outline's worth, far fewer than the regions themselves.
    size_t floor_wall = 0, floor_object = 0, wall_object = 0, none = 0;
    for (size_t p = 0; p < 4096; ++p) {
      floor_wall += region[0][p] && region[1][p];
      floor_object += region[0][p] && region[2][p];
      wall_object += region[1][p] && region[2][p];
      none += !region[0][p] && !region[1][p] && !region[2][p];
    }
    CHECK(none == 0);             // every pixel belongs to some surface
    CHECK(floor_wall <= 2 * 64);  // the horizon line, at most two pixels thick
    CHECK(floor_object <= object / 2);
    CHECK(wall_object <= object / 2);
    CHECK(object >= 40);
    CHECK(floor >= 800);
    CHECK(wall >= 800);
    // The bottom row is floor, the top row wall, and the image centre column holds the object.
    for (size_t x = 0; x < 64; ++x) {
      CHECK(region[0][63 * 64 + x]);
      CHECK(region[1][x]);
    }
    size_t object_in_centre = 0;
    for (size_t y = 0; y < 64; ++y) object_in_centre += region[2][y * 64 + 32];
    CHECK(object_in_centre >= 5);
  }
}

TEST_CASE("shapes3d: the object covers more pixels at larger scale") {
  Shapes3DDataset data;
  for (size_t shape = 0; shape < 4; ++shape) {
    double previous = 0;
    for (size_t scale = 0; scale < 8; ++scale) {
      const Shapes3DDataset::GeometryBuffer& weights = data.geometry(scale, shape, 7);
      double coverage = 0;
      for (size_t p = 0; p < 4096; ++p) coverage += weights[2 * 4096 + p] > 0;
      CHECK(coverage > previous);
      previous = coverage;
    }
  }
}
