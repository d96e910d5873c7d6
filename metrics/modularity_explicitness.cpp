#include "metrics/modularity_explicitness.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "kernels/cpu/parallel.h"
#include "metrics/logistic_regression.h"
#include "metrics/mig.h"
#include "metrics/roc_auc.h"

namespace untangle {

ModularityResult modularity_score(const LabelledCodes& train) {
  require(train.num_factors >= 2, "modularity: needs at least 2 factors");
  const size_t D = train.num_codes, K = train.num_factors;
  const std::vector<double> mi = discretised_mutual_information_matrix(train);
  ModularityResult result;
  result.per_code.assign(D, 0.0);
  for (size_t i = 0; i < D; ++i) {
    double largest = 0, total = 0;
    for (size_t j = 0; j < K; ++j) {
      const double squared = mi[i * K + j] * mi[i * K + j];
      largest = std::max(largest, squared);
      total += squared;
    }
    if (largest > 0) result.per_code[i] = 1.0 - (total - largest) / (largest * double(K - 1));
    result.modularity += result.per_code[i] / double(D);
  }
  return result;
}

namespace {

// Macro ROC-AUC of probabilities (N, C) against labels, over the classes that occur (and not all points).
double macro_roc_auc(const std::vector<double>& probabilities, const std::vector<int64_t>& classes,
                     const std::vector<int64_t>& labels) {
  const size_t N = labels.size(), C = classes.size();
  double sum = 0;
  size_t counted = 0;
  for (size_t c = 0; c < C; ++c) {
    std::vector<bool> is_positive(N);
    std::vector<double> scores(N);
    size_t positives = 0;
    for (size_t n = 0; n < N; ++n) {
      is_positive[n] = labels[n] == classes[c];
      positives += is_positive[n];
      scores[n] = probabilities[n * C + c];
    }
    if (positives == 0 || positives == N) continue;
    sum += roc_auc(is_positive, scores);
    ++counted;
  }
  return counted ? sum / double(counted) : 0.0;
}

}  // namespace

ExplicitnessResult explicitness_score(const LabelledCodes& train, const LabelledCodes& test) {
  require(train.num_codes == test.num_codes && train.num_factors == test.num_factors,
          "explicitness: train and test sets differ in codes or factors");
  require(train.num_points > 0 && test.num_points > 0, "explicitness: empty train or test set");
  const size_t D = train.num_codes, K = train.num_factors;
  // Standardise both sets with the training statistics (np.std: ddof 0).
  std::vector<double> mean(D, 0.0), stddev(D, 0.0);
  for (size_t n = 0; n < train.num_points; ++n)
    for (size_t i = 0; i < D; ++i) mean[i] += train.code(n, i) / double(train.num_points);
  for (size_t n = 0; n < train.num_points; ++n)
    for (size_t i = 0; i < D; ++i)
      stddev[i] += std::pow(train.code(n, i) - mean[i], 2) / double(train.num_points);
  for (double& s : stddev) s = s > 0 ? std::sqrt(s) : 1.0;  // a constant code stays 0 instead of NaN
  auto standardise = [&](const LabelledCodes& points) {
    std::vector<double> x(points.codes);
    for (size_t n = 0; n < points.num_points; ++n)
      for (size_t i = 0; i < D; ++i) x[n * D + i] = (x[n * D + i] - mean[i]) / stddev[i];
    return x;
  };
  const std::vector<double> x_train = standardise(train), x_test = standardise(test);
  ExplicitnessResult result;
  std::vector<double> train_auc(K), test_auc(K);
  parallel_for((long long)K, [&](long long first_factor, long long end_factor, int) {
    for (size_t j = size_t(first_factor); j < size_t(end_factor); ++j) {
      LogisticRegressionClassifier classifier;
      const std::vector<int64_t> train_labels = train.factor_column(j), test_labels = test.factor_column(j);
      classifier.fit(x_train, train.num_points, D, train_labels);
      train_auc[j] = macro_roc_auc(classifier.predict_probabilities(x_train, train.num_points),
                                   classifier.classes(), train_labels);
      test_auc[j] = macro_roc_auc(classifier.predict_probabilities(x_test, test.num_points),
                                  classifier.classes(), test_labels);
    }
  });
  for (size_t j = 0; j < K; ++j) {
    result.explicitness_train += train_auc[j] / double(K);
    result.explicitness_test += test_auc[j] / double(K);
  }
  return result;
}

}  // namespace untangle
