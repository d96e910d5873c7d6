// A depth-limited least-squares regression tree: the weak learner inside gradient boosting.
//
// It reproduces scikit-learn's DecisionTreeRegressor as GradientBoostingClassifier configures it
// (criterion="friedman_mse", max_depth 3, min_samples_split 2, min_samples_leaf 1, all features):
// - candidate thresholds lie midway between consecutive distinct sorted values of a feature within a
//   node (values closer than 1e-7 count as equal, sklearn's FEATURE_THRESHOLD);
// - the best split maximises Friedman's improvement proxy (n_r·S_l − n_l·S_r)² / (n_l·n_r), the first
//   position winning among equals;
// - features are visited in a fresh random order per node and a later feature must be strictly
//   better, so exact ties (duplicated codes) are broken at random as in sklearn — this is what makes
//   duplicated codes share importance and gives completeness 1 − ln2/ln(#codes);
// - a node stops splitting at max depth, with < 2 points, or when its impurity (variance) <= DBL_EPSILON.
// Points go left when x[feature] <= threshold. Features are float32, as sklearn casts X for trees.
//
// Instead of sklearn's per-node re-sorting we sort each feature once and grow the tree level by level:
// per level and feature, one pass over the presorted order gathers every node's points (still sorted)
// into a contiguous segment, which is then scanned with the running sums in registers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/cpu/philox.h"

namespace untangle {

// Features sorted once per data set and shared by every tree fitted on it.
struct PresortedFeatures {
  size_t num_points = 0, num_features = 0;
  std::vector<float> values;         // (N, F) row-major, as given
  std::vector<uint32_t> order;       // (F, N): order[f*N + r] = point holding the r-th smallest value of f
  std::vector<float> sorted_values;  // (F, N): the values in that order
};

// values: (num_points, num_features) row-major.
PresortedFeatures presort_features(const std::vector<float>& values, size_t num_points, size_t num_features);

// The best split of one node along one feature: Friedman's proxy diff² / (n_l·n_r) kept as a
// fraction (compared by cross-multiplication, a division per sorted point would dominate the scan),
// and the two sorted values the threshold falls between.
struct SplitCandidate {
  double numerator = -1.0, denominator = 1.0;  // -1/1: no candidate yet
  float below = 0, above = 0;
  double proxy() const {
    return numerator < 0 ? -std::numeric_limits<double>::infinity() : numerator / denominator;
  }
};

// The best root split along every feature for T target vectors at once — the T trees of one boosting
// stage share the root (all points) and the sorted orders, so one pass serves them all.
// targets_by_point: (N, T) -> (T, F) candidates, bit-identical to what each tree's own scan finds.
std::vector<SplitCandidate> root_split_candidates(const PresortedFeatures& features,
                                                  const std::vector<double>& targets_by_point,
                                                  size_t num_targets);

struct RegressionTreeNode {
  int feature = -1;        // -1 for a leaf
  double threshold = 0.0;  // go left when x[feature] <= threshold
  int left = -1, right = -1;
  double value = 0.0;  // mean target of the node's training points (boosting overwrites leaves)
  double num_points = 0.0;
  double impurity = 0.0;  // variance of the node's training targets
};

struct RegressionTree {
  std::vector<RegressionTreeNode> nodes;  // nodes[0] is the root

  // x: (num_features,) one point; returns the index of its leaf.
  int leaf_of(const float* x) const;
  // Adds each split's impurity decrease n·imp − n_l·imp_l − n_r·imp_r to importances[feature]
  // (sklearn's compute_feature_importances(normalize=False), times the root's point count).
  void add_impurity_importances(std::vector<double>& importances) const;
};

// targets: (N,). leaf_of_point receives the leaf index of every training point. root_candidates: (F,)
// from root_split_candidates for these targets, or null to scan the root here.
RegressionTree fit_regression_tree(const PresortedFeatures& features, const std::vector<double>& targets,
                                   int max_depth, PhiloxRng& rng, std::vector<int>& leaf_of_point,
                                   const SplitCandidate* root_candidates = nullptr);

}  // namespace untangle
