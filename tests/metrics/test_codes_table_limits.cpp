// A codes table is user input: one huge factor index (2^34) must not make the table source allocate a
// group per possible value (gigabytes, then a bare std::bad_alloc); groups exist only for values present.
#include <doctest/doctest.h>

#include "core/check.h"
#include "metrics/codes_table.h"
#include "metrics/labelled_codes.h"

using namespace untangle;

TEST_CASE("codes table: a huge factor index costs memory for the rows present, not for the index") {
  const size_t rows = 40;
  std::vector<double> codes(rows * 2);
  std::vector<int64_t> factors(rows);
  for (size_t i = 0; i < rows; ++i) {
    codes[2 * i] = double(i % 4);
    codes[2 * i + 1] = double(i % 3);
    factors[i] = int64_t(i % 4);
  }
  factors[0] = int64_t(1) << 34;  // one stray index in a factor declared with 2^34 + 1 values
  const std::vector<size_t> sizes = {(size_t(1) << 34) + 1};
  LabelledCodes table = make_labelled_codes(codes, factors, rows, 2, 1);
  std::unique_ptr<CodeSource> source;
  // The stray value occurs in one row only: too sparse for FactorVAE batches, said as such.
  CHECK_THROWS_WITH_AS(make_codes_table_source(table, sizes, true), doctest::Contains("occurs in only 1 row"),
                       Error);
  source = make_codes_table_source(table, sizes, false);
  REQUIRE(source);
  CHECK(source->factor_sizes() == std::vector<size_t>{(size_t(1) << 34) + 1});
  PhiloxRng rng(3);
  LabelledCodes drawn = source->sample(100, rng);
  CHECK(drawn.num_points == 100);
  // Fixed-factor batches share the anchor's value of factor 0.
  factors[0] = 0;
  factors[1] = int64_t(1) << 34;
  factors[2] = int64_t(1) << 34;
  LabelledCodes dense = make_labelled_codes(codes, factors, rows, 2, 1);
  source = make_codes_table_source(dense, sizes, true);
  std::vector<double> batch = source->sample_with_fixed_factor(0, 8, rng);
  CHECK(batch.size() == 16);
}

TEST_CASE(
    "codes tables too small or at a scale the scores are not defined at are refused, naming the table") {
  const size_t rows = 12;
  std::vector<double> codes(rows * 2);
  std::vector<int64_t> factors(rows);
  for (size_t i = 0; i < rows; ++i) {
    codes[2 * i] = double(i % 3) - 1.0;  // std 0.82
    codes[2 * i + 1] = 0.5;              // a collapsed dimension: fine next to an active one
    factors[i] = int64_t(i % 3);
  }
  auto scaled = [&](double scale, size_t n) {
    std::vector<double> c(codes.begin(), codes.begin() + long(2 * n));
    for (double& v : c) v *= scale;
    return make_labelled_codes(c, std::vector<int64_t>(factors.begin(), factors.begin() + long(n)), n, 2, 1);
  };
  check_codes_for_metrics(scaled(1.0, rows), "t.npy");
  check_codes_for_metrics(scaled(1e30, rows), "t.npy");  // |code| 1e30: within the measured range
  check_codes_for_metrics(scaled(0.02, rows), "t.npy");  // largest std 0.016
  CHECK_THROWS_WITH_AS(check_codes_for_metrics(scaled(1.0, 3), "t.npy"),
                       "t.npy: 3 rows are too few to score (need at least 10; the metrics' training and test "
                       "draws would be the same few points)",
                       Error);
  CHECK_THROWS_WITH_AS(check_codes_for_metrics(scaled(1e-42, rows), "t.npy"),
                       doctest::Contains("t.npy: the codes hardly vary"), Error);
  CHECK_THROWS_WITH_AS(check_codes_for_metrics(scaled(1e300, rows), "t.npy"),
                       doctest::Contains("t.npy: codes as large as 1e+300"), Error);
}
