#include "metrics/linear_svm.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace untangle {

namespace {

// Solves the symmetric positive definite system A x = b in place by Cholesky. A: (n, n).
std::vector<double> solve_positive_definite(std::vector<double> A, std::vector<double> b, size_t n) {
  for (size_t j = 0; j < n; ++j) {
    for (size_t k = 0; k < j; ++k) A[j * n + j] -= A[j * n + k] * A[j * n + k];
    A[j * n + j] = std::sqrt(A[j * n + j]);
    for (size_t i = j + 1; i < n; ++i) {
      for (size_t k = 0; k < j; ++k) A[i * n + j] -= A[i * n + k] * A[j * n + k];
      A[i * n + j] /= A[j * n + j];
    }
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < i; ++k) b[i] -= A[i * n + k] * b[k];
    b[i] /= A[i * n + i];
  }
  for (size_t i = n; i-- > 0;) {
    for (size_t k = i + 1; k < n; ++k) b[i] -= A[k * n + i] * b[k];
    b[i] /= A[i * n + i];
  }
  return b;
}

}  // namespace

std::vector<double> solve_squared_hinge_svm(const std::vector<double>& features, size_t num_points,
                                            size_t num_features, const std::vector<double>& signs,
                                            const std::vector<double>& costs) {
  const size_t N = num_points, P = num_features + 1;  // P parameters: weights then bias
  auto augmented = [&](size_t n, size_t p) {
    return p < num_features ? features[n * num_features + p] : 1.0;
  };
  auto objective = [&](const std::vector<double>& w) {
    double value = 0;
    for (double v : w) value += 0.5 * v * v;
    for (size_t n = 0; n < N; ++n) {
      double margin = 0;
      for (size_t p = 0; p < P; ++p) margin += w[p] * augmented(n, p);
      const double slack = 1 - signs[n] * margin;
      if (slack > 0) value += costs[n] * slack * slack;
    }
    return value;
  };
  std::vector<double> w(P, 0.0), gradient(P), hessian(P * P);
  double value = objective(w);
  for (int iteration = 0; iteration < 200; ++iteration) {
    // Gradient w − 2 Σ_active C_i y_i slack_i x_i; generalised Hessian I + 2 Σ_active C_i x_i x_iᵀ.
    std::copy(w.begin(), w.end(), gradient.begin());
    std::fill(hessian.begin(), hessian.end(), 0.0);
    for (size_t p = 0; p < P; ++p) hessian[p * P + p] = 1.0;
    for (size_t n = 0; n < N; ++n) {
      double margin = 0;
      for (size_t p = 0; p < P; ++p) margin += w[p] * augmented(n, p);
      const double slack = 1 - signs[n] * margin;
      if (slack <= 0) continue;
      for (size_t p = 0; p < P; ++p) {
        gradient[p] -= 2 * costs[n] * signs[n] * slack * augmented(n, p);
        for (size_t q = 0; q < P; ++q) hessian[p * P + q] += 2 * costs[n] * augmented(n, p) * augmented(n, q);
      }
    }
    double gradient_norm = 0;
    for (double g : gradient) gradient_norm = std::max(gradient_norm, std::abs(g));
    if (gradient_norm < 1e-12 * std::max(1.0, value)) break;
    std::vector<double> step = solve_positive_definite(hessian, gradient, P);  // w_new = w − step
    // Backtracking (Armijo) line search: the objective is only piecewise quadratic.
    double slope = 0;
    for (size_t p = 0; p < P; ++p) slope += gradient[p] * step[p];
    double scale = 1.0, next_value = value;
    std::vector<double> candidate(P);
    for (int halving = 0; halving < 60; ++halving, scale *= 0.5) {
      for (size_t p = 0; p < P; ++p) candidate[p] = w[p] - scale * step[p];
      next_value = objective(candidate);
      if (next_value <= value - 1e-4 * scale * slope) break;
    }
    if (!(next_value < value)) break;  // no further decrease representable in double
    w = candidate;
    value = next_value;
  }
  return w;
}

void LinearSvmClassifier::fit(const std::vector<double>& features, size_t num_points, size_t num_features,
                              const std::vector<int64_t>& labels, const LinearSvmOptions& options) {
  require(num_points > 0, "linear SVM: no training points");
  require(features.size() == num_points * num_features && labels.size() == num_points,
          "linear SVM: features/labels do not match ", num_points, " points x ", num_features, " features");
  num_features_ = num_features;
  classes_ = labels;
  std::sort(classes_.begin(), classes_.end());
  classes_.erase(std::unique(classes_.begin(), classes_.end()), classes_.end());
  weights_.clear();
  const size_t C = classes_.size();
  if (C == 1) return;  // sklearn refuses a single class; we predict it
  std::vector<size_t> label_index(num_points);
  std::vector<double> count(C, 0.0);
  for (size_t n = 0; n < num_points; ++n) {
    label_index[n] = size_t(std::lower_bound(classes_.begin(), classes_.end(), labels[n]) - classes_.begin());
    count[label_index[n]] += 1;
  }
  std::vector<double> class_cost(C, options.C);
  if (options.balanced_class_weights)
    for (size_t c = 0; c < C; ++c) class_cost[c] = options.C * double(num_points) / (double(C) * count[c]);
  const size_t num_models = C == 2 ? 1 : C;
  std::vector<double> signs(num_points), costs(num_points);
  for (size_t model = 0; model < num_models; ++model) {
    const size_t positive = C == 2 ? 1 : model;
    for (size_t n = 0; n < num_points; ++n) {
      const bool is_positive = label_index[n] == positive;
      signs[n] = is_positive ? 1.0 : -1.0;
      // liblinear one-vs-rest: the "rest" side keeps the unweighted C.
      costs[n] = is_positive ? class_cost[positive] : (C == 2 ? class_cost[label_index[n]] : options.C);
    }
    std::vector<double> w = solve_squared_hinge_svm(features, num_points, num_features, signs, costs);
    weights_.insert(weights_.end(), w.begin(), w.end());
  }
}

std::vector<int64_t> LinearSvmClassifier::predict(const std::vector<double>& features,
                                                  size_t num_points) const {
  require(!classes_.empty(), "linear SVM: predict before fit");
  require(features.size() == num_points * num_features_, "linear SVM: predict got ", features.size(),
          " values for ", num_points, " x ", num_features_);
  std::vector<int64_t> predictions(num_points, classes_[0]);
  if (classes_.size() == 1) return predictions;
  const size_t P = num_features_ + 1, num_models = weights_.size() / P;
  for (size_t n = 0; n < num_points; ++n) {
    size_t best = 0;
    double best_score = 0;
    for (size_t model = 0; model < num_models; ++model) {
      double score = weights_[model * P + num_features_];
      for (size_t f = 0; f < num_features_; ++f)
        score += weights_[model * P + f] * features[n * num_features_ + f];
      if (model == 0 || score > best_score) {
        best_score = score;
        best = model;
      }
    }
    // Two classes: one model scoring class 1; sklearn predicts class 1 only for a positive score.
    predictions[n] = num_models == 1 ? classes_[best_score > 0 ? 1 : 0] : classes_[best];
  }
  return predictions;
}

}  // namespace untangle
