// SAP, the Separated Attribute Predictability score (Kumar et al. 2018, "Variational Inference of
// Disentangled Latent Concepts from Unlabeled Observations"), as disentanglement_lib computes it
// (sap_score.py; docs/metrics.md):
// - discrete factors (the study's setting): S[i][j] = test accuracy of a LinearSVC(C=0.01,
//   class_weight="balanced") trained to predict factor j from latent i alone;
// - continuous variant: S[i][j] = cov(z_i, y_j)² / (var z_i · var y_j) on the training set (ddof 1),
//   0 when var z_i ≤ 1e-12;
// - SAP = mean over factors of (largest S[.][j] − second largest S[.][j]).
// Reference study: 10000 train / 5000 test points.
#pragma once
#include <vector>

#include "metrics/labelled_codes.h"

namespace untangle {

struct SapResult {
  double sap = 0.0;
  std::vector<double> score_matrix;  // S: (num_codes, num_factors)
};

SapResult sap_score(const LabelledCodes& train, const LabelledCodes& test);
SapResult sap_score_continuous(const LabelledCodes& train);

// Mean over columns of (largest − second largest) entry of a (rows, columns) matrix.
double mean_top_two_gap(const std::vector<double>& matrix, size_t rows, size_t columns);

}  // namespace untangle
