// Limited-memory BFGS (Nocedal & Wright, "Numerical Optimization", Algorithm 7.4/7.5) with a
// backtracking Armijo line search: the smooth convex minimiser behind logistic regression.
#pragma once
#include <functional>
#include <vector>

namespace untangle {

// Returns the objective at x and writes its gradient into `gradient` (same size as x).
using SmoothObjective = std::function<double(const std::vector<double>& x, std::vector<double>& gradient)>;

struct LbfgsResult {
  double value = 0;
  int iterations = 0;
  bool converged = false;
};

// Minimises from x (updated in place) until max |gradient| <= gradient_tolerance or max_iterations.
LbfgsResult minimise_lbfgs(const SmoothObjective& objective, std::vector<double>& x, int max_iterations,
                           double gradient_tolerance, int memory = 10);

}  // namespace untangle
