#include "metrics/mig.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"
#include "kernels/cpu/parallel.h"

namespace untangle {

std::vector<double> discretised_mutual_information_matrix(const LabelledCodes& points, int num_bins) {
  const size_t D = points.num_codes, K = points.num_factors;
  std::vector<std::vector<int64_t>> latent_bins(D), factors(K);
  for (size_t i = 0; i < D; ++i) latent_bins[i] = histogram_discretize(points.code_column(i), num_bins);
  for (size_t j = 0; j < K; ++j) factors[j] = points.factor_column(j);
  std::vector<double> matrix(D * K);
  parallel_for((long long)(D * K), [&](long long begin, long long end, int) {
    for (long long pair = begin; pair < end; ++pair)
      matrix[size_t(pair)] = mutual_information(latent_bins[size_t(pair) / K], factors[size_t(pair) % K]);
  });
  return matrix;
}

MigResult mig_score(const LabelledCodes& points) {
  require(points.num_points > 0, "MIG: no points");
  require(points.num_codes >= 2, "MIG: needs at least 2 latent dimensions (the gap is top-1 minus top-2)");
  const size_t D = points.num_codes, K = points.num_factors;
  MigResult result;
  result.mutual_information = discretised_mutual_information_matrix(points);
  result.factor_entropy.resize(K);
  result.per_factor_gap.resize(K);
  double sum = 0.0;
  for (size_t j = 0; j < K; ++j) {
    result.factor_entropy[j] = discrete_entropy(points.factor_column(j));
    std::vector<double> column(D);
    for (size_t i = 0; i < D; ++i) column[i] = result.mutual_information[i * K + j];
    std::partial_sort(column.begin(), column.begin() + 2, column.end(), std::greater<double>());
    // A constant factor has H = 0: disentanglement_lib divides anyway and reports NaN; so do we.
    result.per_factor_gap[j] = result.factor_entropy[j] > 0
                                   ? (column[0] - column[1]) / result.factor_entropy[j]
                                   : std::numeric_limits<double>::quiet_NaN();
    sum += result.per_factor_gap[j];
  }
  result.mig = sum / double(K);
  return result;
}

}  // namespace untangle
