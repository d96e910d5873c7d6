// Mutual Information Gap (Chen et al. 2018, "Isolating Sources of Disentanglement in VAEs"), as
// disentanglement_lib computes it (mig.py; docs/metrics.md):
// each latent is discretised into 20 equal-width bins, M[i][j] = MI(latent i, factor j) in nats,
// and MIG = mean over factors j of (largest M[.][j] - second largest M[.][j]) / H(factor j).
// Reference study: 10000 points, no test set; reported key "discrete_mig".
#pragma once
#include <vector>

#include "metrics/discretize.h"
#include "metrics/labelled_codes.h"

namespace untangle {

// Mutual information between every discretised latent and every factor: (num_codes, num_factors).
std::vector<double> discretised_mutual_information_matrix(const LabelledCodes& points,
                                                          int num_bins = kDefaultHistogramBins);

struct MigResult {
  double mig = 0.0;                        // NaN when some factor is constant in the sample (H = 0)
  std::vector<double> per_factor_gap;      // (num_factors,) normalised gap of each factor
  std::vector<double> mutual_information;  // (num_codes, num_factors)
  std::vector<double> factor_entropy;      // (num_factors,)
};

MigResult mig_score(const LabelledCodes& points);

}  // namespace untangle
