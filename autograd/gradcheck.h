// Finite-difference gradient checking: the independent reference every op's backward is tested against.
//
// For a function f of some tensors, backward() on the scalar L = sum(w * f(inputs)), with fixed random
// weights w, gives dL/dx for every input element; the check compares it with the central difference
// (L(x + eps) - L(x - eps)) / (2 eps), where L is accumulated in double to keep float rounding small.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "autograd/tape.h"
#include "autograd/tensor.h"

namespace untangle {

struct GradcheckOptions {
  double epsilon = 5e-3;
  double absolute_tolerance = 5e-4;
  double relative_tolerance = 2e-3;
  uint64_t seed = 1;
};

struct GradcheckResult {
  bool passed = true;
  double worst_error =
      0.0;  // largest |analytic - numeric| / (abs_tol + rel_tol * max(|analytic|, |numeric|))
  std::string worst_location;  // "input 1, element 7: analytic 0.31 numeric 0.29"
  size_t checked = 0;          // number of elements compared
};

using TensorFunction = std::function<Tensor(Tape&, const std::vector<Tensor>&)>;

// Checks the gradient with respect to every input whose requires_grad() is set.
GradcheckResult gradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace untangle
