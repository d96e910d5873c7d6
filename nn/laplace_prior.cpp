#include "nn/laplace_prior.h"

#include <cmath>

namespace untangle {

namespace {
constexpr float kSqrtTwoOverPi = 0.797884560802865356f;   // sqrt(2/pi)
constexpr float kInverseSqrtTwo = 0.707106781186547524f;  // 1/sqrt(2)
}  // namespace

Tensor laplace_cross_entropy(Tape& tape, const GaussianCode& q, const Tensor& location, float rate) {
  Tensor m = sub(tape, q.mean, location);                   // (P, D)
  Tensor s = exp(tape, scale(tape, q.log_variance, 0.5f));  // standard deviation
  Tensor u = div(tape, m, s);
  Tensor folded_peak =
      mul(tape, scale(tape, s, kSqrtTwoOverPi), exp(tape, scale(tape, square(tape, u), -0.5f)));
  Tensor expected_distance = add(tape, folded_peak, mul(tape, m, erf(tape, scale(tape, u, kInverseSqrtTwo))));
  return add_scalar(tape, scale(tape, expected_distance, rate), -std::log(rate / 2.0f));
}

}  // namespace untangle
