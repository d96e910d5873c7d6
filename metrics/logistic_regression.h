// L2-regularised logistic regression equivalent to scikit-learn's LogisticRegression() defaults in
// sklearn ≥ 0.22 (C = 1, penalty "l2", solver lbfgs, fit_intercept, intercept not penalised):
// - 3+ classes: multinomial (softmax) model, minimising Σ_n −log p(y_n | x_n) + ‖W‖² / (2C);
// - 2 classes: multi_class="auto" picks a single logistic model for class 1 (not a 2-way softmax,
//   whose symmetric parametrisation would halve the effective penalty).
// Used by the β-VAE score and by explicitness (disentanglement_lib beta_vae.py,
// modularity_explicitness.py). sklearn stops lbfgs at tol 1e-4 on the per-point average gradient or
// after 100 iterations; we run L-BFGS to 1e-5 with no such cap, i.e. closer to the unique optimum
// both approach (explicitness changes by ~1e-6 between 1e-5 and 1e-7, at 2.5x the time).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace untangle {

struct LogisticRegressionOptions {
  double C = 1.0;
  int max_iterations = 1000;
  double gradient_tolerance = 1e-5;  // on max |∂objective| divided by the number of points
};

class LogisticRegressionClassifier {
 public:
  // features: (num_points, num_features) row-major; labels: (num_points,).
  void fit(const std::vector<double>& features, size_t num_points, size_t num_features,
           const std::vector<int64_t>& labels, const LogisticRegressionOptions& options = {});
  // (num_points, num_classes) class probabilities, columns in classes() order.
  std::vector<double> predict_probabilities(const std::vector<double>& features, size_t num_points) const;
  std::vector<int64_t> predict(const std::vector<double>& features, size_t num_points) const;
  const std::vector<int64_t>& classes() const { return classes_; }
  int iterations() const { return iterations_; }

 private:
  size_t num_features_ = 0;
  std::vector<int64_t> classes_;
  std::vector<double> parameters_;  // (num_models, num_features + 1), bias last; 1 model for 2 classes
  int iterations_ = 0;
};

}  // namespace untangle
