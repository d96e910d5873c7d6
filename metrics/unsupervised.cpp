#include "metrics/unsupervised.h"

#include <cmath>

#include "core/check.h"
#include "metrics/discretize.h"
#include "metrics/symmetric_eigen.h"

namespace untangle {

UnsupervisedResult unsupervised_scores(const LabelledCodes& points) {
  const size_t N = points.num_points, D = points.num_codes;
  require(N >= 2 && D >= 2, "unsupervised scores: need at least 2 points and 2 codes");
  std::vector<double> mean(D, 0.0), cov(D * D, 0.0);
  for (size_t n = 0; n < N; ++n)
    for (size_t i = 0; i < D; ++i) mean[i] += points.code(n, i) / double(N);
  for (size_t n = 0; n < N; ++n)
    for (size_t i = 0; i < D; ++i)
      for (size_t k = 0; k < D; ++k)
        cov[i * D + k] += (points.code(n, i) - mean[i]) * (points.code(n, k) - mean[k]);
  for (double& c : cov) c /= double(N - 1);

  UnsupervisedResult result;
  // log det Σ = Σ log of the eigenvalues (Σ is symmetric positive semi-definite).
  double log_det = 0, sum_log_diagonal = 0, trace = 0;
  for (double eigenvalue : symmetric_eigenvalues(cov, D)) log_det += std::log(eigenvalue);
  for (size_t i = 0; i < D; ++i) {
    sum_log_diagonal += std::log(cov[i * D + i]);
    trace += cov[i * D + i];
  }
  result.gaussian_total_correlation = 0.5 * (sum_log_diagonal - log_det);
  // diag(Σ)·Σ is similar to the symmetric diag(Σ)^½ Σ diag(Σ)^½, so the trace of its principal square
  // root is the sum of square roots of that symmetric matrix's eigenvalues.
  std::vector<double> scaled(D * D);
  for (size_t i = 0; i < D; ++i)
    for (size_t k = 0; k < D; ++k)
      scaled[i * D + k] = std::sqrt(cov[i * D + i] * cov[k * D + k]) * cov[i * D + k];
  double trace_sqrt = 0;
  for (double eigenvalue : symmetric_eigenvalues(scaled, D))
    trace_sqrt += std::sqrt(std::max(eigenvalue, 0.0));
  result.gaussian_wasserstein_correlation = 2 * trace - 2 * trace_sqrt;
  result.gaussian_wasserstein_correlation_norm = result.gaussian_wasserstein_correlation / trace;

  std::vector<std::vector<int64_t>> bins(D);
  for (size_t i = 0; i < D; ++i) bins[i] = histogram_discretize(points.code_column(i));
  double off_diagonal = 0;
  for (size_t i = 0; i < D; ++i)
    for (size_t k = 0; k < D; ++k)
      if (i != k) off_diagonal += mutual_information(bins[i], bins[k]);
  result.mutual_info_score = off_diagonal / double(D * D - D);
  return result;
}

}  // namespace untangle
