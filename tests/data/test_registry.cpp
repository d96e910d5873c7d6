// Datasets by name: every registered dataset's index <-> factors map is a bijection over its whole
// grid, the contract's factor orders hold, and bad options are refused with a message.
#include <doctest/doctest.h>

#include <vector>

#include "core/check.h"
#include "data/image_table_dataset.h"
#include "data/registry.h"

using namespace untangle;

TEST_CASE("every dataset: index -> factors -> index is the identity over the whole grid, row-major") {
  for (const std::string& name : dataset_names()) {
    auto data = make_dataset(name);
    const std::vector<size_t> sizes = data->factor_sizes();
    CHECK(data->factor_names().size() == sizes.size());
    CHECK(data->categorical_factors().size() == sizes.size());
    // Walk the grid with an odometer (last factor fastest) and compare both directions.
    std::vector<size_t> odometer(sizes.size(), 0);
    size_t mismatches = 0;
    for (size_t index = 0; index < data->size(); ++index) {
      mismatches += data->index_to_factors(index) != odometer;
      mismatches += data->factors_to_index(odometer) != index;
      for (size_t k = sizes.size(); k-- > 0;) {
        if (++odometer[k] < sizes[k]) break;
        odometer[k] = 0;
      }
    }
    CHECK_MESSAGE(mismatches == 0, name);
    CHECK_THROWS_AS(data->index_to_factors(data->size()), Error);
  }
}

TEST_CASE("registry: contract names, factor orders and option checks") {
  CHECK(make_dataset("dsprites")->factor_names() ==
        std::vector<std::string>{"shape", "scale", "orientation", "x", "y"});
  CHECK(make_dataset("shapes3d")->factor_names() ==
        std::vector<std::string>{"floor_hue", "wall_hue", "object_hue", "scale", "shape", "orientation"});
  CHECK(make_dataset("xysquares")->factor_names() ==
        std::vector<std::string>{"x_R", "y_R", "x_G", "y_G", "x_B", "y_B"});
  DatasetOptions options;
  options.spacing = 3;
  CHECK(make_dataset("xysquares", options)->size() == 262144);
  CHECK_THROWS_WITH_AS(make_dataset("dsprites", options), doctest::Contains("--spacing"), Error);
  CHECK_THROWS_WITH_AS(make_dataset("mnist"), doctest::Contains("unknown dataset 'mnist'"), Error);
  options = {};
  options.noise = 0.05f;
  CHECK(make_dataset("dsprites", options)->name() == "dsprites+noise0.05");
}

TEST_CASE("in-memory cache renders the same images as the renderer, to 8-bit precision") {
  auto data = make_dataset("xysquares_single");
  ImageTableDataset cached = cache_in_memory(*data);
  std::vector<float> a(data->observation_size()), b(data->observation_size());
  for (size_t i = 0; i < data->size(); ++i) {
    data->render(i, a.data());
    cached.render(i, b.data());
    REQUIRE(a == b);  // XYSquares pixels are exactly 0 or 1, so 8 bits hold them exactly
  }
}

TEST_CASE("render_hwc is render with the channel axis moved last") {
  auto data = make_dataset("shapes3d");
  std::vector<float> chw(data->observation_size()), hwc(data->observation_size());
  for (size_t index : {size_t(0), size_t(123457), size_t(479999)}) {
    data->render(index, chw.data());
    data->render_hwc(index, hwc.data());
    size_t mismatches = 0;
    for (size_t c = 0; c < 3; ++c)
      for (size_t p = 0; p < 64 * 64; ++p) mismatches += hwc[p * 3 + c] != chw[c * 64 * 64 + p];
    CHECK(mismatches == 0);
  }
}
