#include "metrics/gradient_boosted_trees.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "core/check.h"
#include "kernels/cpu/parallel.h"

namespace untangle {

namespace {

constexpr double kProbabilityClip = FLT_EPSILON;  // np.finfo(np.float32).eps in sklearn's init

// sklearn's prior scores: the log-odds of class 1 for two classes, else each class's log prior; priors are
// clipped away from 0 and 1.
std::vector<double> prior_scores(const std::vector<double>& class_count, size_t N, size_t T) {
  const size_t C = class_count.size();
  std::vector<double> scores(T);
  auto clipped_prior = [&](size_t c) {
    return std::clamp(class_count[c] / double(N), kProbabilityClip, 1 - kProbabilityClip);
  };
  if (C == 2)
    scores[0] = std::log(clipped_prior(1) / (1 - clipped_prior(1)));
  else
    for (size_t c = 0; c < C; ++c) scores[c] = std::log(clipped_prior(c));
  return scores;
}

// Class probabilities from scores, both (T, N): the logistic for two classes (T = 1), else the softmax.
void class_probabilities(const std::vector<double>& scores, size_t T, size_t N, size_t C,
                         std::vector<double>& probabilities) {
  parallel_for((long long)N,
               [&](long long begin, long long end, int) {
                 for (long long n = begin; n < end; ++n) {
                   if (C == 2) {
                     probabilities[size_t(n)] = 1.0 / (1.0 + std::exp(-scores[size_t(n)]));
                     continue;
                   }
                   double largest = scores[size_t(n)];
                   for (size_t t = 1; t < T; ++t) largest = std::max(largest, scores[t * N + size_t(n)]);
                   double total = 0;
                   for (size_t t = 0; t < T; ++t)
                     total += probabilities[t * N + size_t(n)] =
                         std::exp(scores[t * N + size_t(n)] - largest);
                   for (size_t t = 0; t < T; ++t) probabilities[t * N + size_t(n)] /= total;
                 }
               },
               256);
}

// One Newton step per leaf on the deviance replaces the leaf's mean residual. p: (N,) the probabilities
// the tree's class had when the tree was fitted.
void set_newton_leaf_values(const std::vector<int>& leaf_of_point, const std::vector<double>& residual,
                            const double* p, size_t C, RegressionTree& tree) {
  std::vector<double> numerator(tree.nodes.size(), 0.0), denominator(tree.nodes.size(), 0.0);
  for (size_t n = 0; n < residual.size(); ++n) {
    numerator[size_t(leaf_of_point[n])] += residual[n];
    denominator[size_t(leaf_of_point[n])] += p[n] * (1 - p[n]);
  }
  const double multinomial_factor = C == 2 ? 1.0 : double(C - 1) / double(C);
  for (size_t node = 0; node < tree.nodes.size(); ++node) {
    if (tree.nodes[node].feature >= 0) continue;
    tree.nodes[node].value =
        std::abs(denominator[node]) < 1e-150 ? 0.0 : multinomial_factor * numerator[node] / denominator[node];
  }
}

}  // namespace

void GradientBoostedTreesClassifier::fit(const std::vector<float>& features, size_t num_points,
                                         size_t num_features, const std::vector<int64_t>& labels,
                                         const GradientBoostingOptions& options) {
  require(num_points > 0, "gradient boosting: no training points");
  require(labels.size() == num_points, "gradient boosting: ", labels.size(), " labels for ", num_points,
          " points");
  num_features_ = num_features;
  learning_rate_ = options.learning_rate;
  classes_ = labels;
  std::sort(classes_.begin(), classes_.end());
  classes_.erase(std::unique(classes_.begin(), classes_.end()), classes_.end());
  trees_.clear();
  const size_t N = num_points, C = classes_.size();
  std::vector<size_t> label_index(N);
  std::vector<double> class_count(C, 0.0);
  for (size_t n = 0; n < N; ++n) {
    label_index[n] = size_t(std::lower_bound(classes_.begin(), classes_.end(), labels[n]) - classes_.begin());
    class_count[label_index[n]] += 1;
  }
  if (C == 1) {  // sklearn refuses one class; the only sensible model predicts it and uses no feature
    initial_scores_ = {0.0};
    training_predictions_.assign(N, classes_[0]);
    return;
  }
  const size_t T = trees_per_stage();
  initial_scores_ = prior_scores(class_count, N, T);
  // scores: (T, N), one row per tree of a stage, so each parallel tree writes only its own row.
  std::vector<double> scores(T * N), probabilities(T * N), residuals(N * T);
  for (size_t t = 0; t < T; ++t)
    std::fill(scores.begin() + t * N, scores.begin() + (t + 1) * N, initial_scores_[t]);
  const PresortedFeatures presorted = presort_features(features, N, num_features);
  trees_.resize(size_t(options.num_stages) * T);
  for (int stage = 0; stage < options.num_stages; ++stage) {
    // Class probabilities at the start of the stage: every tree of the stage fits against these.
    class_probabilities(scores, T, N, C, probabilities);
    // Residuals y_k − p_k, (N, T): the targets of the stage's trees, point-major for the shared root scan.
    for (size_t n = 0; n < N; ++n)
      for (size_t t = 0; t < T; ++t)
        residuals[n * T + t] = (label_index[n] == (C == 2 ? 1 : t) ? 1.0 : 0.0) - probabilities[t * N + n];
    fit_stage(presorted, residuals, probabilities, stage, options, scores);
  }
  training_predictions_.resize(N);
  std::vector<double> point_scores(T);
  for (size_t n = 0; n < N; ++n) {
    for (size_t t = 0; t < T; ++t) point_scores[t] = scores[t * N + n];
    training_predictions_[n] = class_of_scores(point_scores.data());
  }
}

void GradientBoostedTreesClassifier::fit_stage(const PresortedFeatures& presorted,
                                               const std::vector<double>& residuals,
                                               const std::vector<double>& probabilities, int stage,
                                               const GradientBoostingOptions& options,
                                               std::vector<double>& scores) {
  const size_t N = presorted.num_points, T = trees_per_stage(), C = classes_.size();
  std::vector<SplitCandidate> root_candidates;
  if (T > 1) root_candidates = root_split_candidates(presorted, residuals, T);
  const PhiloxRng tie_breaking(options.seed);
  // One tree per class in parallel; a tree's own split search then runs serially (nested parallel_for).
  parallel_for((long long)T, [&](long long first_tree, long long end_tree, int) {
    for (long long t = first_tree; t < end_tree; ++t) {
      std::vector<double> residual(N);
      for (size_t n = 0; n < N; ++n) residual[n] = residuals[n * T + size_t(t)];
      PhiloxRng rng = tie_breaking.split(uint64_t(stage) * T + uint64_t(t));
      std::vector<int> leaf_of_point;
      RegressionTree tree =
          fit_regression_tree(presorted, residual, options.max_depth, rng, leaf_of_point,
                              T > 1 ? root_candidates.data() + size_t(t) * num_features_ : nullptr);
      set_newton_leaf_values(leaf_of_point, residual, probabilities.data() + size_t(t) * N, C, tree);
      double* row = scores.data() + size_t(t) * N;
      for (size_t n = 0; n < N; ++n) row[n] += learning_rate_ * tree.nodes[size_t(leaf_of_point[n])].value;
      trees_[size_t(stage) * T + size_t(t)] = std::move(tree);
    }
  });
}

int64_t GradientBoostedTreesClassifier::class_of_scores(const double* scores) const {
  if (classes_.size() == 1) return classes_[0];
  if (classes_.size() == 2) return scores[0] > 0 ? classes_[1] : classes_[0];
  return classes_[size_t(std::max_element(scores, scores + classes_.size()) - scores)];
}

std::vector<int64_t> GradientBoostedTreesClassifier::predict(const std::vector<float>& features,
                                                             size_t num_points) const {
  require(!classes_.empty(), "gradient boosting: predict before fit");
  require(features.size() == num_points * num_features_, "gradient boosting: predict got ", features.size(),
          " values for ", num_points, " x ", num_features_);
  const size_t T = trees_per_stage();
  std::vector<int64_t> predictions(num_points);
  parallel_for((long long)num_points,
               [&](long long begin, long long end, int) {
                 for (long long n = begin; n < end; ++n) {
                   const float* x = features.data() + size_t(n) * num_features_;
                   std::vector<double> scores(initial_scores_);
                   for (size_t i = 0; i < trees_.size(); ++i) {
                     const RegressionTree& tree = trees_[i];
                     scores[i % T] += learning_rate_ * tree.nodes[size_t(tree.leaf_of(x))].value;
                   }
                   predictions[size_t(n)] = class_of_scores(scores.data());
                 }
               },
               64);
  return predictions;
}

std::vector<double> GradientBoostedTreesClassifier::feature_importances() const {
  std::vector<double> importances(num_features_, 0.0);
  for (const RegressionTree& tree : trees_) tree.add_impurity_importances(importances);
  double total = 0;
  for (double v : importances) total += v;
  if (total > 0)
    for (double& v : importances) v /= total;
  return importances;
}

}  // namespace untangle
