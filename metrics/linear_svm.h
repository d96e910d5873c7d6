// Linear support vector classifier equivalent to scikit-learn's LinearSVC(C, class_weight="balanced")
// with its other defaults (squared hinge loss, L2 penalty, one-vs-rest, fit_intercept with
// intercept_scaling 1) — the classifier behind the SAP score (sklearn 1.2 svm/_classes.py, liblinear).
//
// Each binary subproblem is liblinear's L2-regularised L2-loss SVC primal
//     min_w  ½‖w‖² + Σ_i C_i · max(0, 1 − y_i · w·[x_i, 1])²
// where the bias is the last weight and is regularised too (liblinear appends a constant feature).
// "balanced" weights are n / (#classes · n_c). A quirk we keep: for 3+ classes liblinear's one-vs-rest
// gives the positive class C·weight_c but the "rest" plain C; with 2 classes both sides are weighted.
// liblinear approaches the optimum by dual coordinate descent and stops at tol 1e-4 (or 1000 epochs);
// the primal is strictly convex, so we solve it to its unique optimum by Newton's method with the
// generalised Hessian (the problem liblinear's TRON primal solver also targets).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace untangle {

struct LinearSvmOptions {
  double C = 1.0;  // LinearSVC's default; SAP uses 0.01
  bool balanced_class_weights = false;
};

class LinearSvmClassifier {
 public:
  // features: (num_points, num_features) row-major; labels: (num_points,).
  void fit(const std::vector<double>& features, size_t num_points, size_t num_features,
           const std::vector<int64_t>& labels, const LinearSvmOptions& options);
  std::vector<int64_t> predict(const std::vector<double>& features, size_t num_points) const;
  // (num_models, num_features + 1): one row per one-vs-rest model (one model for 2 classes), bias last.
  const std::vector<double>& weights() const { return weights_; }
  const std::vector<int64_t>& classes() const { return classes_; }

 private:
  size_t num_features_ = 0;
  std::vector<int64_t> classes_;
  std::vector<double> weights_;
};

// One binary subproblem: labels ±1, per-point costs C_i. features: (N, F); returns F + 1 weights.
std::vector<double> solve_squared_hinge_svm(const std::vector<double>& features, size_t num_points,
                                            size_t num_features, const std::vector<double>& signs,
                                            const std::vector<double>& costs);

}  // namespace untangle
