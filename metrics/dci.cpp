#include "metrics/dci.h"

#include <cmath>

#include "core/check.h"
#include "metrics/gradient_boosted_trees.h"

namespace untangle {

namespace {

// 1 − entropy of (weights + 1e-11) normalised, in the given base (scipy.stats.entropy with base).
double one_minus_normalised_entropy(const std::vector<double>& weights, double base) {
  double total = 0;
  for (double w : weights) total += w + 1e-11;
  double entropy = 0;
  for (double w : weights) {
    double p = (w + 1e-11) / total;
    entropy -= p * std::log(p);
  }
  return 1.0 - entropy / std::log(base);
}

// Σ over rows (or columns) of (1 − H) weighted by that row's share of the total importance.
double weighted_score(const std::vector<double>& importance, size_t num_codes, size_t num_factors,
                      bool over_codes) {
  const size_t outer = over_codes ? num_codes : num_factors, inner = over_codes ? num_factors : num_codes;
  auto at = [&](size_t o, size_t i) {
    return over_codes ? importance[o * num_factors + i] : importance[i * num_factors + o];
  };
  double grand_total = 0;
  for (double v : importance) grand_total += v;
  double score = 0;
  std::vector<double> row(inner);
  for (size_t o = 0; o < outer; ++o) {
    double row_total = 0;
    for (size_t i = 0; i < inner; ++i) row_total += row[i] = at(o, i);
    const double weight = grand_total == 0 ? 1.0 / double(outer) : row_total / grand_total;
    score += weight * one_minus_normalised_entropy(row, double(inner));
  }
  return score;
}

std::vector<float> codes_as_float32(const LabelledCodes& points) {
  return std::vector<float>(points.codes.begin(), points.codes.end());
}

}  // namespace

double dci_disentanglement(const std::vector<double>& importance, size_t num_codes, size_t num_factors) {
  return weighted_score(importance, num_codes, num_factors, /*over_codes=*/true);
}

double dci_completeness(const std::vector<double>& importance, size_t num_codes, size_t num_factors) {
  return weighted_score(importance, num_codes, num_factors, /*over_codes=*/false);
}

DciResult dci_score(const LabelledCodes& train, const LabelledCodes& test, uint64_t seed) {
  require(train.num_codes == test.num_codes && train.num_factors == test.num_factors,
          "DCI: train and test sets differ in codes or factors");
  require(train.num_points > 0 && test.num_points > 0, "DCI: empty train or test set");
  require(train.num_factors >= 2 && train.num_codes >= 2,
          "DCI: needs at least 2 codes and 2 factors (entropy bases)");
  const size_t D = train.num_codes, K = train.num_factors;
  // sklearn casts tree inputs to float32; so do we, so thresholds fall between the same values.
  const std::vector<float> train_codes = codes_as_float32(train), test_codes = codes_as_float32(test);
  DciResult result;
  result.importance.assign(D * K, 0.0);
  for (size_t j = 0; j < K; ++j) {
    GradientBoostedTreesClassifier classifier;
    GradientBoostingOptions options;
    options.seed = seed + j;
    const std::vector<int64_t> train_labels = train.factor_column(j), test_labels = test.factor_column(j);
    classifier.fit(train_codes, train.num_points, D, train_labels, options);
    const std::vector<double> importances = classifier.feature_importances();
    for (size_t i = 0; i < D; ++i) result.importance[i * K + j] = std::abs(importances[i]);
    const std::vector<int64_t>& train_predictions = classifier.training_predictions();
    const std::vector<int64_t> test_predictions = classifier.predict(test_codes, test.num_points);
    double train_correct = 0, test_correct = 0;
    for (size_t n = 0; n < train.num_points; ++n) train_correct += train_predictions[n] == train_labels[n];
    for (size_t n = 0; n < test.num_points; ++n) test_correct += test_predictions[n] == test_labels[n];
    result.informativeness_train += train_correct / double(train.num_points) / double(K);
    result.informativeness_test += test_correct / double(test.num_points) / double(K);
  }
  result.disentanglement = dci_disentanglement(result.importance, D, K);
  result.completeness = dci_completeness(result.importance, D, K);
  return result;
}

}  // namespace untangle
