#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "autograd/ops.h"
#include "kernels/cpu/philox.h"

namespace untangle {

namespace {
double weighted_sum(const Tensor& y, const std::vector<float>& weights) {
  double total = 0.0;
  for (size_t i = 0; i < weights.size(); ++i) total += double(weights[i]) * double(y.data()[i]);
  return total;
}
}  // namespace

GradcheckResult gradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options) {
  // Analytic gradients.
  for (const Tensor& x : inputs)
    if (x.requires_grad()) x.zero_grad();
  Tape tape;
  Tensor y = f(tape, inputs);
  std::vector<float> weights(y.numel());
  PhiloxRng(options.seed).fill_uniform(weights.data(), weights.size(), -1.0f, 1.0f);
  Tensor loss = sum(tape, mul(tape, y, Tensor::from_vector(weights, y.shape())));
  tape.backward(loss);

  // Numeric gradients, element by element, with nothing recorded.
  GradcheckResult result;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    if (!x.requires_grad()) continue;
    std::vector<float> analytic = x.grad_vector();
    for (size_t i = 0; i < x.numel(); ++i) {
      const float original = x.data()[i];
      Tape evaluation = Tape::evaluation();
      x.data()[i] = float(original + options.epsilon);
      double plus = weighted_sum(f(evaluation, inputs), weights);
      x.data()[i] = float(original - options.epsilon);
      double minus = weighted_sum(f(evaluation, inputs), weights);
      x.data()[i] = original;
      double numeric = (plus - minus) / (2.0 * options.epsilon);
      double scale = options.absolute_tolerance +
                     options.relative_tolerance * std::max(std::abs(numeric), std::abs(double(analytic[i])));
      double error = std::abs(numeric - analytic[i]) / scale;
      ++result.checked;
      if (error > result.worst_error) {
        result.worst_error = error;
        std::ostringstream where;
        where << "input " << k << ", element " << i << ": analytic " << analytic[i] << " numeric " << numeric;
        result.worst_location = where.str();
      }
    }
  }
  result.passed = result.worst_error <= 1.0;
  return result;
}

}  // namespace untangle
