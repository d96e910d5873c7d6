#include "metrics/codes_table.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/check.h"

namespace untangle {

namespace {

size_t grid_size(const std::vector<size_t>& sizes) {
  size_t total = 1;
  for (size_t s : sizes) total *= s;
  return total;
}

size_t flat_index_of_row(const LabelledCodes& table, size_t row, const std::vector<size_t>& sizes) {
  size_t index = 0;
  for (size_t k = 0; k < sizes.size(); ++k) index = index * sizes[k] + size_t(table.factor(row, k));
  return index;
}

// A table holding the whole grid: an exact lookup from grid point to code row.
class FullGridTable final : public GridCodeSource {
 public:
  FullGridTable(const LabelledCodes& table, std::vector<size_t> sizes)
      : GridCodeSource(sizes), table_(table), row_of_point_(grid_size(sizes)) {
    for (size_t row = 0; row < table.num_points; ++row)
      row_of_point_[flat_index_of_row(table, row, sizes)] = row;
  }
  size_t num_codes() const override { return table_.num_codes; }

 protected:
  std::vector<double> encode_factors(const std::vector<size_t>& factors, size_t n) const override {
    const size_t D = table_.num_codes, K = table_.num_factors;
    std::vector<double> codes(n * D);
    for (size_t i = 0; i < n; ++i) {
      const size_t row = row_of_point_[flat_index(&factors[i * K])];
      std::copy(table_.codes.begin() + row * D, table_.codes.begin() + (row + 1) * D, codes.begin() + i * D);
    }
    return codes;
  }

 private:
  const LabelledCodes& table_;
  std::vector<size_t> row_of_point_;
};

// A table holding part of the grid: an empirical sample, grouped by each factor's value.
class SampledTable final : public CodeSource {
 public:
  // Groups are kept only for values that occur, so memory follows the rows, not the factor sizes (a
  // table with one huge index must not allocate gigabytes).
  SampledTable(const LabelledCodes& table, std::vector<size_t> sizes)
      : table_(table), sizes_(std::move(sizes)) {
    rows_with_value_.resize(sizes_.size());
    for (size_t k = 0; k < sizes_.size(); ++k)
      for (size_t row = 0; row < table.num_points; ++row)
        rows_with_value_[k][table.factor(row, k)].push_back(row);
  }
  size_t num_codes() const override { return table_.num_codes; }
  std::vector<size_t> factor_sizes() const override { return sizes_; }

  // The smallest group of rows sharing a value that some row holds: FactorVAE/β-VAE need >= 2.
  void require_dense_enough() const {
    for (size_t k = 0; k < sizes_.size(); ++k)
      for (const auto& [v, rows] : rows_with_value_[k]) {
        const size_t count = rows.size();
        require(count >= 2, "codes table too sparse for FactorVAE/beta-VAE scores: factor ", k, " value ", v,
                " occurs in only ", count,
                " row (need >= 2 rows per occurring value; give the full factor grid or more rows, or do not "
                "request factorvae/betavae)");
      }
  }

  LabelledCodes sample(size_t n, PhiloxRng& rng) const override {
    std::vector<size_t> rows(n);
    for (size_t& row : rows) row = size_t(rng.next_below(table_.num_points));
    return select_rows(table_, rows);
  }

  std::vector<double> sample_with_fixed_factor(size_t k, size_t n, PhiloxRng& rng) const override {
    const size_t anchor = size_t(rng.next_below(table_.num_points));
    const std::vector<size_t>& group = rows_with_value_.at(k).at(table_.factor(anchor, k));
    std::vector<size_t> rows(n);
    for (size_t& row : rows) row = group[size_t(rng.next_below(group.size()))];
    return select_rows(table_, rows).codes;
  }

  std::pair<std::vector<double>, std::vector<double>> sample_pairs_sharing_factor(
      size_t k, size_t n, PhiloxRng& rng) const override {
    std::vector<size_t> first(n), second(n);
    for (size_t i = 0; i < n; ++i) {
      first[i] = size_t(rng.next_below(table_.num_points));
      const std::vector<size_t>& group = rows_with_value_.at(k).at(table_.factor(first[i], k));
      second[i] = group[size_t(rng.next_below(group.size()))];
    }
    return {select_rows(table_, first).codes, select_rows(table_, second).codes};
  }

 private:
  const LabelledCodes& table_;
  std::vector<size_t> sizes_;
  std::vector<std::map<int64_t, std::vector<size_t>>> rows_with_value_;  // [factor][value] -> rows
};

}  // namespace

void check_codes_for_metrics(const LabelledCodes& table, const std::string& what) {
  require(table.num_points >= kMinimumMetricRows, what, ": ", table.num_points,
          " rows are too few to score (need at least ", kMinimumMetricRows,
          "; the metrics' training and test draws would be the same few points)");
  double largest_code = 0, largest_spread = 0;
  for (size_t i = 0; i < table.num_codes; ++i) {
    double sum = 0, sum_of_squares = 0;
    const double first = table.code(0, i);  // shifted sums: no cancellation for columns far from 0
    for (size_t row = 0; row < table.num_points; ++row) {
      const double v = table.code(row, i);
      largest_code = std::max(largest_code, std::abs(v));
      sum += v - first;
      sum_of_squares += (v - first) * (v - first);
    }
    const double n = double(table.num_points);
    largest_spread =
        std::max(largest_spread, std::sqrt(std::max(0.0, sum_of_squares / n - (sum / n) * (sum / n))));
  }
  require(largest_code <= kLargestCode, what, ": codes as large as ", largest_code, " (above ", kLargestCode,
          ") make the scores meaningless; rescale the codes (e.g. divide each column by its std)");
  require(largest_spread >= kSmallestCodeSpread, what, ": the codes hardly vary (largest column std ",
          largest_spread, ", below ", kSmallestCodeSpread,
          "): the metrics' fixed thresholds would decide the scores; rescale the codes ",
          "(e.g. divide each column by its std)");
}

bool covers_factor_grid(const LabelledCodes& table, const std::vector<size_t>& factor_sizes) {
  const size_t total = grid_size(factor_sizes);
  if (table.num_points < total) return false;
  std::vector<bool> seen(total, false);
  size_t distinct = 0;
  for (size_t row = 0; row < table.num_points; ++row) {
    const size_t index = flat_index_of_row(table, row, factor_sizes);
    if (!seen[index]) {
      seen[index] = true;
      ++distinct;
    }
  }
  return distinct == total;
}

std::unique_ptr<CodeSource> make_codes_table_source(const LabelledCodes& table,
                                                    std::vector<size_t> factor_sizes,
                                                    bool need_factor_conditioning) {
  require(table.num_points > 0, "codes table is empty");
  const size_t K = table.num_factors;
  require(!factor_sizes.empty(),
          "the factor sizes of the codes table are not known (they are not guessed from a sample)");
  require(factor_sizes.size() == K, "the factor sizes list ", factor_sizes.size(),
          " factors but the factors table has ", K, " columns");
  for (size_t row = 0; row < table.num_points; ++row)
    for (size_t k = 0; k < K; ++k)
      require(size_t(table.factor(row, k)) < factor_sizes[k], "factor ", k, " index ", table.factor(row, k),
              " in row ", row, " is outside its size ", factor_sizes[k]);
  // A grid too large to index (e.g. sizes from a typo) cannot be covered by a table anyway.
  bool small_grid = true;
  size_t total = 1;
  for (size_t s : factor_sizes) {
    if (total > (size_t(1) << 32) / std::max<size_t>(s, 1)) small_grid = false;
    total *= s;
  }
  if (small_grid && covers_factor_grid(table, factor_sizes))
    return std::make_unique<FullGridTable>(table, factor_sizes);
  auto sampled = std::make_unique<SampledTable>(table, factor_sizes);
  if (need_factor_conditioning) sampled->require_dense_enough();
  return sampled;
}

RowSplit split_rows(const LabelledCodes& table, double test_fraction, uint64_t seed) {
  const size_t n = table.num_points;
  require(n >= 2, "a codes table of ", n,
          " row(s) cannot be split into disjoint train and test rows (need >= 2)");
  require(test_fraction > 0 && test_fraction < 1, "test fraction ", test_fraction, " is not in (0, 1)");
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  PhiloxRng rng(seed);
  for (size_t i = n - 1; i > 0; --i) std::swap(order[i], order[size_t(rng.next_below(i + 1))]);
  const size_t num_test =
      std::min(n - 1, std::max<size_t>(1, size_t(std::llround(double(n) * test_fraction))));
  const std::vector<size_t> test_rows(order.begin(), order.begin() + long(num_test));
  const std::vector<size_t> train_rows(order.begin() + long(num_test), order.end());
  return {select_rows(table, train_rows), select_rows(table, test_rows)};
}

}  // namespace untangle
