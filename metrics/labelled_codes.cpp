#include "metrics/labelled_codes.h"

#include <cmath>

#include "core/check.h"

namespace untangle {

std::vector<double> LabelledCodes::code_column(size_t i) const {
  std::vector<double> column(num_points);
  for (size_t n = 0; n < num_points; ++n) column[n] = code(n, i);
  return column;
}

std::vector<int64_t> LabelledCodes::factor_column(size_t j) const {
  std::vector<int64_t> column(num_points);
  for (size_t n = 0; n < num_points; ++n) column[n] = factor(n, j);
  return column;
}

LabelledCodes make_labelled_codes(std::vector<double> codes, std::vector<int64_t> factors, size_t num_points,
                                  size_t num_codes, size_t num_factors, const char* what) {
  require(codes.size() == num_points * num_codes, what, ": codes hold ", codes.size(), " values, expected ",
          num_points, " x ", num_codes);
  require(factors.size() == num_points * num_factors, what, ": factors hold ", factors.size(),
          " values, expected ", num_points, " x ", num_factors);
  // A diverged model writes NaN/inf codes; every metric would silently turn them into nonsense.
  for (size_t n = 0; n < codes.size(); ++n)
    require(std::isfinite(codes[n]), what, ": code ", n % num_codes, " in row ", n / num_codes, " is ",
            codes[n], " (codes must be finite)");
  for (size_t n = 0; n < factors.size(); ++n)
    require(factors[n] >= 0, what, ": factor index ", factors[n], " in row ", n / num_factors,
            " is negative (factors must be indices 0..size-1)");
  LabelledCodes table;
  table.num_points = num_points;
  table.num_codes = num_codes;
  table.num_factors = num_factors;
  table.codes = std::move(codes);
  table.factors = std::move(factors);
  return table;
}

LabelledCodes select_rows(const LabelledCodes& table, const std::vector<size_t>& rows) {
  LabelledCodes out;
  out.num_points = rows.size();
  out.num_codes = table.num_codes;
  out.num_factors = table.num_factors;
  out.codes.reserve(rows.size() * table.num_codes);
  out.factors.reserve(rows.size() * table.num_factors);
  for (size_t row : rows) {
    require(row < table.num_points, "select_rows: row ", row, " out of range (", table.num_points, " rows)");
    out.codes.insert(out.codes.end(), table.codes.begin() + row * table.num_codes,
                     table.codes.begin() + (row + 1) * table.num_codes);
    out.factors.insert(out.factors.end(), table.factors.begin() + row * table.num_factors,
                       table.factors.begin() + (row + 1) * table.num_factors);
  }
  return out;
}

}  // namespace untangle
