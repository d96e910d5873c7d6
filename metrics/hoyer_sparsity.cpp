#include "metrics/hoyer_sparsity.h"

#include <cmath>
#include <limits>

#include "core/check.h"

namespace untangle {

double hoyer_sparsity(const double* z, size_t D) {
  require(D >= 2, "Hoyer sparsity needs at least 2 latents, got ", D);
  double l1 = 0.0, squares = 0.0;
  for (size_t d = 0; d < D; ++d) l1 += std::abs(z[d]), squares += z[d] * z[d];
  if (squares == 0.0) return std::numeric_limits<double>::quiet_NaN();
  const double root_d = std::sqrt(double(D));
  return (root_d - l1 / std::sqrt(squares)) / (root_d - 1.0);
}

double normalised_hoyer_sparsity(const std::vector<double>& codes, size_t points, size_t D) {
  require(codes.size() == points * D, "Hoyer sparsity: ", codes.size(), " values for ", points, " x ", D);
  require(points >= 2, "Hoyer sparsity: needs at least 2 points for the standard deviations, got ", points);
  std::vector<double> scale(D, 1.0);
  for (size_t d = 0; d < D; ++d) {
    double sum = 0.0, squares = 0.0;
    for (size_t i = 0; i < points; ++i) sum += codes[i * D + d];
    const double mean = sum / double(points);
    for (size_t i = 0; i < points; ++i) squares += (codes[i * D + d] - mean) * (codes[i * D + d] - mean);
    const double stddev = std::sqrt(squares / double(points - 1));
    if (stddev > 0.0) scale[d] = 1.0 / stddev;
  }
  double total = 0.0;
  size_t counted = 0;
  std::vector<double> row(D);
  for (size_t i = 0; i < points; ++i) {
    for (size_t d = 0; d < D; ++d) row[d] = codes[i * D + d] * scale[d];
    const double value = hoyer_sparsity(row.data(), D);
    if (std::isnan(value)) continue;
    total += value, ++counted;
  }
  return counted ? total / double(counted) : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace untangle
