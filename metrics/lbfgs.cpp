#include "metrics/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <deque>

namespace untangle {

namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

}  // namespace

LbfgsResult minimise_lbfgs(const SmoothObjective& objective, std::vector<double>& x, int max_iterations,
                           double gradient_tolerance, int memory) {
  const size_t P = x.size();
  std::vector<double> gradient(P), next_gradient(P), direction(P), next_x(P);
  LbfgsResult result;
  result.value = objective(x, gradient);
  std::deque<std::vector<double>> steps, gradient_changes;  // s_k, y_k
  std::deque<double> curvatures;                            // 1 / (y_k · s_k)
  for (; result.iterations < max_iterations; ++result.iterations) {
    if (max_abs(gradient) <= gradient_tolerance) {
      result.converged = true;
      break;
    }
    // Two-loop recursion: direction = −H_k gradient.
    direction = gradient;
    std::vector<double> alphas(steps.size());
    for (size_t i = steps.size(); i-- > 0;) {
      alphas[i] = curvatures[i] * dot(steps[i], direction);
      for (size_t p = 0; p < P; ++p) direction[p] -= alphas[i] * gradient_changes[i][p];
    }
    const double initial_scale = steps.empty() ? 1.0 / std::max(1.0, max_abs(gradient))
                                               : dot(steps.back(), gradient_changes.back()) /
                                                     dot(gradient_changes.back(), gradient_changes.back());
    for (double& d : direction) d *= initial_scale;
    for (size_t i = 0; i < steps.size(); ++i) {
      const double beta = curvatures[i] * dot(gradient_changes[i], direction);
      for (size_t p = 0; p < P; ++p) direction[p] += steps[i][p] * (alphas[i] - beta);
    }
    for (double& d : direction) d = -d;
    double slope = dot(gradient, direction);
    if (slope >= 0) {  // not a descent direction (numerical trouble): restart from steepest descent
      steps.clear();
      gradient_changes.clear();
      curvatures.clear();
      for (size_t p = 0; p < P; ++p) direction[p] = -gradient[p] / std::max(1.0, max_abs(gradient));
      slope = dot(gradient, direction);
    }
    double step = 1.0, next_value = result.value;
    bool decreased = false;
    for (int halving = 0; halving < 60; ++halving, step *= 0.5) {
      for (size_t p = 0; p < P; ++p) next_x[p] = x[p] + step * direction[p];
      next_value = objective(next_x, next_gradient);
      if (next_value <= result.value + 1e-4 * step * slope) {
        decreased = true;
        break;
      }
    }
    if (!decreased) break;  // the objective cannot decrease further in double precision
    std::vector<double> s(P), y(P);
    for (size_t p = 0; p < P; ++p) {
      s[p] = next_x[p] - x[p];
      y[p] = next_gradient[p] - gradient[p];
    }
    const double ys = dot(y, s);
    if (ys > 1e-300) {  // keep only pairs with positive curvature (always true for convex objectives)
      steps.push_back(std::move(s));
      gradient_changes.push_back(std::move(y));
      curvatures.push_back(1.0 / ys);
      if (int(steps.size()) > memory) {
        steps.pop_front();
        gradient_changes.pop_front();
        curvatures.pop_front();
      }
    }
    x.swap(next_x);
    gradient.swap(next_gradient);
    result.value = next_value;
  }
  if (max_abs(gradient) <= gradient_tolerance) result.converged = true;
  return result;
}

}  // namespace untangle
