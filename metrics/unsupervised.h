// The unsupervised scores of disentanglement_lib (unsupervised_metrics.py;
// docs/metrics.md), all from the codes alone:
// - Σ = covariance of the codes (ddof 1);
// - gaussian_total_correlation = ½ (Σ_i log Σ_ii − log det Σ): the total correlation of a Gaussian
//   with that covariance;
// - gaussian_wasserstein_correlation = 2 tr Σ − 2 tr sqrtm(diag(Σ) Σ): the squared 2-Wasserstein
//   distance between N(0, Σ) and N(0, diag Σ); "_norm" divides it by tr Σ;
// - mutual_info_score = mean of the off-diagonal pairwise MI between the 20-bin discretised codes.
// Reference study: 10000 points.
#pragma once
#include <vector>

#include "metrics/labelled_codes.h"

namespace untangle {

struct UnsupervisedResult {
  double gaussian_total_correlation = 0;
  double gaussian_wasserstein_correlation = 0;
  double gaussian_wasserstein_correlation_norm = 0;
  double mutual_info_score = 0;
};

// Only points.codes is read (factors may be absent).
UnsupervisedResult unsupervised_scores(const LabelledCodes& points);

}  // namespace untangle
