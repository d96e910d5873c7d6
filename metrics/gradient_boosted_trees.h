// Gradient-boosted trees classifier equivalent to scikit-learn's GradientBoostingClassifier() with
// its defaults (sklearn 1.2 _gb.py / _gb_losses.py), the classifier behind DCI:
// - 100 stages, learning rate 0.1, regression trees of depth 3 (metrics/regression_tree.h), no subsampling;
// - init = log class priors (clipped to [eps32, 1 − eps32]); 2 classes: one tree per stage on the
//   binomial deviance (init log-odds); K > 2 classes: K trees per stage on the multinomial deviance,
//   all fitted to the residuals y_k − softmax_k of the stage's starting scores;
// - each leaf then takes one Newton step: Σ residual / Σ p(1 − p), times (K − 1)/K for multinomial;
// - feature importances = impurity decreases summed over every tree, normalised to sum 1.
// sklearn leaves random_state=None, so only its tie-breaking is random; ours comes from the seed.
// Trees within a stage are independent: one shared pass finds all their root splits
// (root_split_candidates), then they are fitted in parallel (kernels/cpu/parallel.h, over classes).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "metrics/regression_tree.h"

namespace untangle {

struct GradientBoostingOptions {
  int num_stages = 100;
  double learning_rate = 0.1;
  int max_depth = 3;
  uint64_t seed = 0;
};

class GradientBoostedTreesClassifier {
 public:
  // features: (num_points, num_features) row-major; labels: (num_points,) any integer class ids.
  void fit(const std::vector<float>& features, size_t num_points, size_t num_features,
           const std::vector<int64_t>& labels, const GradientBoostingOptions& options = {});
  // features: (num_points, num_features) -> predicted class ids.
  std::vector<int64_t> predict(const std::vector<float>& features, size_t num_points) const;
  // Predictions for the training points, from the scores accumulated during fit.
  const std::vector<int64_t>& training_predictions() const { return training_predictions_; }
  // (num_features,) summing to 1, or all zero when no tree ever split.
  std::vector<double> feature_importances() const;
  const std::vector<int64_t>& classes() const { return classes_; }

 private:
  size_t trees_per_stage() const { return classes_.size() == 2 ? 1 : classes_.size(); }
  int64_t class_of_scores(const double* scores) const;  // scores: (trees_per_stage,)
  // One boosting stage: a tree per class fitted to residuals (N, T), added to scores (T, N) with the
  // learning rate. probabilities: (T, N), those the residuals came from.
  void fit_stage(const PresortedFeatures& presorted, const std::vector<double>& residuals,
                 const std::vector<double>& probabilities, int stage, const GradientBoostingOptions& options,
                 std::vector<double>& scores);

  size_t num_features_ = 0;
  double learning_rate_ = 0.1;
  std::vector<int64_t> classes_;        // sorted distinct labels
  std::vector<double> initial_scores_;  // (trees_per_stage,)
  std::vector<RegressionTree> trees_;   // (num_stages, trees_per_stage) row-major
  std::vector<int64_t> training_predictions_;
};

}  // namespace untangle
