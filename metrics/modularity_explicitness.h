// Modularity and explicitness (Ridgeway & Mozer 2018, "Learning Deep Disentangled Embeddings with the
// F-Statistic Loss"), as disentanglement_lib computes them (modularity_explicitness.py;
// docs/metrics.md):
// - modularity: M = MI(20-bin discretised code i, factor j) on the training set; per code
//   δ_i = (Σ_j M_ij² − max_j M_ij²) / (max_j M_ij² · (K − 1)), modularity_i = 1 − δ_i (0 when the code
//   carries no information); score = mean over codes;
// - explicitness: codes standardised with the training mean and std (ddof 0); per factor a
//   LogisticRegression() (defaults) on train; macro ROC-AUC of its class probabilities against the
//   one-hot labels; mean over factors, for train and test.
// Reference study: 10000 train / 5000 test points.
#pragma once
#include <vector>

#include "metrics/labelled_codes.h"

namespace untangle {

struct ModularityResult {
  double modularity = 0;
  std::vector<double> per_code;  // (num_codes,)
};

ModularityResult modularity_score(const LabelledCodes& train);

struct ExplicitnessResult {
  double explicitness_train = 0, explicitness_test = 0;
};

// A class that never occurs in the evaluated set has no ROC curve; it is left out of that set's
// macro average (sklearn would raise an error there).
ExplicitnessResult explicitness_score(const LabelledCodes& train, const LabelledCodes& test);

}  // namespace untangle
