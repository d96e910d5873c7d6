// Area under the ROC curve of one binary problem, as sklearn.metrics.roc_auc_score computes it for a
// single column: the probability that a random positive scores above a random negative, ties counting
// one half (the Mann–Whitney U statistic with average ranks).
#pragma once
#include <vector>

namespace untangle {

// is_positive: (N,), scores: (N,). Requires at least one positive and one negative.
double roc_auc(const std::vector<bool>& is_positive, const std::vector<double>& scores);

}  // namespace untangle
