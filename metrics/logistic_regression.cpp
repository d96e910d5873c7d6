#include "metrics/logistic_regression.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "metrics/lbfgs.h"

namespace untangle {

void LogisticRegressionClassifier::fit(const std::vector<double>& features, size_t num_points,
                                       size_t num_features, const std::vector<int64_t>& labels,
                                       const LogisticRegressionOptions& options) {
  require(num_points > 0, "logistic regression: no training points");
  require(features.size() == num_points * num_features && labels.size() == num_points,
          "logistic regression: features/labels do not match ", num_points, " points x ", num_features,
          " features");
  num_features_ = num_features;
  classes_ = labels;
  std::sort(classes_.begin(), classes_.end());
  classes_.erase(std::unique(classes_.begin(), classes_.end()), classes_.end());
  parameters_.clear();
  iterations_ = 0;
  const size_t C = classes_.size(), F = num_features, P = F + 1, N = num_points;
  if (C == 1) return;  // sklearn refuses one class; the model predicts it with probability 1
  std::vector<size_t> label_index(N);
  for (size_t n = 0; n < N; ++n)
    label_index[n] = size_t(std::lower_bound(classes_.begin(), classes_.end(), labels[n]) - classes_.begin());
  const size_t M = C == 2 ? 1 : C;  // models (rows of W)
  const double penalty = 1.0 / options.C;

  // θ = (M, F + 1): weights then bias per model. Objective Σ_n loss_n + ‖W‖² / (2C), bias unpenalised.
  SmoothObjective objective = [&](const std::vector<double>& theta, std::vector<double>& gradient) {
    std::fill(gradient.begin(), gradient.end(), 0.0);
    double value = 0;
    std::vector<double> scores(M);
    for (size_t n = 0; n < N; ++n) {
      const double* x = features.data() + n * F;
      for (size_t m = 0; m < M; ++m) {
        double s = theta[m * P + F];
        for (size_t f = 0; f < F; ++f) s += theta[m * P + f] * x[f];
        scores[m] = s;
      }
      if (M == 1) {
        // log(1 + exp(−y s)) with y = ±1, written stably; d/ds = σ(s) − [y = +1].
        const double y = label_index[n] == 1 ? 1.0 : -1.0, t = -y * scores[0];
        value += t > 0 ? t + std::log1p(std::exp(-t)) : std::log1p(std::exp(t));
        const double residual = 1.0 / (1.0 + std::exp(-scores[0])) - (y > 0 ? 1.0 : 0.0);
        for (size_t f = 0; f < F; ++f) gradient[f] += residual * x[f];
        gradient[F] += residual;
      } else {
        const double largest = *std::max_element(scores.begin(), scores.end());
        double total = 0;
        for (double s : scores) total += std::exp(s - largest);
        value += largest + std::log(total) - scores[label_index[n]];
        for (size_t m = 0; m < M; ++m) {
          const double residual = std::exp(scores[m] - largest) / total - (label_index[n] == m ? 1.0 : 0.0);
          for (size_t f = 0; f < F; ++f) gradient[m * P + f] += residual * x[f];
          gradient[m * P + F] += residual;
        }
      }
    }
    for (size_t m = 0; m < M; ++m)
      for (size_t f = 0; f < F; ++f) {
        value += 0.5 * penalty * theta[m * P + f] * theta[m * P + f];
        gradient[m * P + f] += penalty * theta[m * P + f];
      }
    return value;
  };
  parameters_.assign(M * P, 0.0);
  LbfgsResult result =
      minimise_lbfgs(objective, parameters_, options.max_iterations, options.gradient_tolerance * double(N));
  iterations_ = result.iterations;
}

std::vector<double> LogisticRegressionClassifier::predict_probabilities(const std::vector<double>& features,
                                                                        size_t num_points) const {
  require(!classes_.empty(), "logistic regression: predict before fit");
  require(features.size() == num_points * num_features_, "logistic regression: predict got ", features.size(),
          " values for ", num_points, " x ", num_features_);
  const size_t C = classes_.size(), F = num_features_, P = F + 1;
  std::vector<double> probabilities(num_points * C, 1.0);
  if (C == 1) return probabilities;
  const size_t M = C == 2 ? 1 : C;
  std::vector<double> scores(M);
  for (size_t n = 0; n < num_points; ++n) {
    const double* x = features.data() + n * F;
    for (size_t m = 0; m < M; ++m) {
      double s = parameters_[m * P + F];
      for (size_t f = 0; f < F; ++f) s += parameters_[m * P + f] * x[f];
      scores[m] = s;
    }
    double* out = probabilities.data() + n * C;
    if (M == 1) {
      out[1] = 1.0 / (1.0 + std::exp(-scores[0]));
      out[0] = 1.0 - out[1];
      continue;
    }
    const double largest = *std::max_element(scores.begin(), scores.end());
    double total = 0;
    for (size_t m = 0; m < M; ++m) total += out[m] = std::exp(scores[m] - largest);
    for (size_t m = 0; m < M; ++m) out[m] /= total;
  }
  return probabilities;
}

std::vector<int64_t> LogisticRegressionClassifier::predict(const std::vector<double>& features,
                                                           size_t num_points) const {
  const std::vector<double> probabilities = predict_probabilities(features, num_points);
  const size_t C = classes_.size();
  std::vector<int64_t> predictions(num_points);
  for (size_t n = 0; n < num_points; ++n) {
    const double* p = probabilities.data() + n * C;
    predictions[n] = classes_[size_t(std::max_element(p, p + C) - p)];
  }
  return predictions;
}

}  // namespace untangle
