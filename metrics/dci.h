// DCI: disentanglement, completeness and informativeness (Eastwood & Williams 2018), as
// disentanglement_lib computes it (dci.py; docs/metrics.md):
// - per factor j, a gradient-boosted trees classifier (GradientBoostingClassifier() defaults) predicts
//   the factor from the raw codes; R[i][j] = its impurity importance of code i (each column sums to 1);
// - informativeness_train/test = mean over factors of the classifier's *accuracy* (dl calls it "err");
// - disentanglement = Σ_i ρ_i (1 − H_K(P_i·)), P_ij = (R_ij + 1e-11) / Σ_k (R_ik + 1e-11), entropy
//   in base K = #factors, ρ_i = Σ_j R_ij / Σ R;
// - completeness = Σ_j ρ_j (1 − H_D(P_·j)), the same over codes in base D = #codes;
// - an all-zero R gives uniform weights ρ.
// Reference study: 10000 train / 5000 test points.
#pragma once
#include <cstdint>
#include <vector>

#include "metrics/labelled_codes.h"

namespace untangle {

struct DciResult {
  double disentanglement = 0, completeness = 0, informativeness_train = 0, informativeness_test = 0;
  std::vector<double> importance;  // R: (num_codes, num_factors)
};

DciResult dci_score(const LabelledCodes& train, const LabelledCodes& test, uint64_t seed = 0);

// The two entropy-based summaries of an importance matrix R (num_codes, num_factors).
double dci_disentanglement(const std::vector<double>& importance, size_t num_codes, size_t num_factors);
double dci_completeness(const std::vector<double>& importance, size_t num_codes, size_t num_factors);

}  // namespace untangle
