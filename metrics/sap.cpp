#include "metrics/sap.h"

#include <algorithm>
#include <functional>

#include "core/check.h"
#include "kernels/cpu/parallel.h"
#include "metrics/linear_svm.h"

namespace untangle {

double mean_top_two_gap(const std::vector<double>& matrix, size_t rows, size_t columns) {
  require(rows >= 2, "SAP: needs at least 2 latent dimensions (the gap is top-1 minus top-2)");
  double sum = 0;
  std::vector<double> column(rows);
  for (size_t j = 0; j < columns; ++j) {
    for (size_t i = 0; i < rows; ++i) column[i] = matrix[i * columns + j];
    std::partial_sort(column.begin(), column.begin() + 2, column.end(), std::greater<double>());
    sum += column[0] - column[1];
  }
  return sum / double(columns);
}

SapResult sap_score(const LabelledCodes& train, const LabelledCodes& test) {
  require(train.num_codes == test.num_codes && train.num_factors == test.num_factors,
          "SAP: train and test sets differ in codes or factors");
  require(train.num_points > 0 && test.num_points > 0, "SAP: empty train or test set");
  const size_t D = train.num_codes, K = train.num_factors;
  SapResult result;
  result.score_matrix.assign(D * K, 0.0);
  LinearSvmOptions options;
  options.C = 0.01;
  options.balanced_class_weights = true;
  parallel_for((long long)(D * K), [&](long long begin, long long end, int) {
    for (long long pair = begin; pair < end; ++pair) {
      const size_t i = size_t(pair) / K, j = size_t(pair) % K;
      LinearSvmClassifier classifier;
      classifier.fit(train.code_column(i), train.num_points, 1, train.factor_column(j), options);
      const std::vector<int64_t> predicted = classifier.predict(test.code_column(i), test.num_points);
      double correct = 0;
      for (size_t n = 0; n < test.num_points; ++n) correct += predicted[n] == test.factor(n, j);
      result.score_matrix[i * K + j] = correct / double(test.num_points);
    }
  });
  result.sap = mean_top_two_gap(result.score_matrix, D, K);
  return result;
}

SapResult sap_score_continuous(const LabelledCodes& train) {
  require(train.num_points > 1, "SAP (continuous): needs at least 2 points");
  const size_t D = train.num_codes, K = train.num_factors, N = train.num_points;
  SapResult result;
  result.score_matrix.assign(D * K, 0.0);
  for (size_t i = 0; i < D; ++i)
    for (size_t j = 0; j < K; ++j) {
      double mean_z = 0, mean_y = 0;
      for (size_t n = 0; n < N; ++n) {
        mean_z += train.code(n, i);
        mean_y += double(train.factor(n, j));
      }
      mean_z /= double(N);
      mean_y /= double(N);
      double var_z = 0, var_y = 0, cov = 0;
      for (size_t n = 0; n < N; ++n) {
        const double dz = train.code(n, i) - mean_z, dy = double(train.factor(n, j)) - mean_y;
        var_z += dz * dz;
        var_y += dy * dy;
        cov += dz * dy;
      }
      // The (N − 1) normalisations cancel in cov² / (var_z var_y); the 1e-12 guard is on var_z itself.
      if (var_z / double(N - 1) > 1e-12 && var_y > 0)
        result.score_matrix[i * K + j] = cov * cov / (var_z * var_y);
    }
  result.sap = mean_top_two_gap(result.score_matrix, D, K);
  return result;
}

}  // namespace untangle
