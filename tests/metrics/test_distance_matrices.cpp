// Ground-truth and perceived distance matrices (Michlo et al.) on strips with known overlaps.
#include <doctest/doctest.h>

#include "metrics/distance_matrices.h"
#include "segments_dataset.h"

using namespace untangle;
using namespace untangle::test;

TEST_CASE("ground-truth distance matrix is |i - j|") {
  std::vector<double> m = ground_truth_distance_matrix(3);
  CHECK(m == std::vector<double>{0, 1, 2, 1, 0, 1, 2, 1, 0});
}

TEST_CASE("perceived distances: no overlap gives a flat matrix, overlapping bars grow with |i - j|") {
  PhiloxRng rng(6);
  // Width-1 bars: any two values differ in exactly 2 pixels of the strip: MSE = 2 / width, whatever the
  // other factors are (they are the same within a traversal).
  SegmentsDataset flat({5, 3});
  std::vector<TraversalDistances> d = traversal_distance_matrices(flat, mean_squared_error, 8, rng);
  REQUIRE(d.size() == 2);
  const double width = double(flat.width());
  for (size_t i = 0; i < 5; ++i)
    for (size_t j = 0; j < 5; ++j)
      CHECK(d[0].perceived[i * 5 + j] == doctest::Approx(i == j ? 0.0 : 2.0 / width));
  CHECK(d[1].ground_truth == ground_truth_distance_matrix(3));

  // Width-3 bars: values i and j share max(0, 3 − |i − j|) pixels, so 2·min(|i − j|, 3) differ.
  SegmentsDataset overlapping({6, 2}, 3);
  d = traversal_distance_matrices(overlapping, mean_squared_error, 4, rng);
  const double wide = double(overlapping.width());
  for (size_t i = 0; i < 6; ++i)
    for (size_t j = 0; j < 6; ++j) {
      const double gap = i > j ? double(i - j) : double(j - i);
      CHECK(d[0].perceived[i * 6 + j] == doctest::Approx(2.0 * std::min(gap, 3.0) / wide));
    }
}
