#include "nn/total_correlation.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/ops.h"
#include "core/check.h"

namespace untangle {

namespace {
constexpr double kLogTwoPi = 1.8378770664093453;
}  // namespace

Tensor total_correlation_minibatch(Tape& tape, const Tensor& z, const GaussianCode& code) {
  const int B = z.dim(0), D = z.dim(1);
  require(code.mean.shape() == z.shape() && code.log_variance.shape() == z.shape(),
          "total correlation: z, mean and log-variance must all be (B, D)");
  Tensor samples = reshape(tape, z, {B, 1, D});        // i along axis 0
  Tensor means = reshape(tape, code.mean, {1, B, D});  // j along axis 1
  Tensor log_variances = reshape(tape, code.log_variance, {1, B, D});
  Tensor squared_distance = square(tape, sub(tape, samples, means));  // (B, B, D)
  Tensor scaled = mul(tape, squared_distance, exp(tape, scale(tape, log_variances, -1.0f)));
  // L = -0.5 ((z - mean)^2 / var + log var + log 2 pi)                       (B, B, D)
  Tensor log_density =
      scale(tape, add_scalar(tape, add(tape, scaled, log_variances), float(kLogTwoPi)), -0.5f);
  Tensor log_joint = logsumexp(tape, sum(tape, log_density, 2), 1);      // (B): log q(z_i), unnormalised
  Tensor log_marginals = sum(tape, logsumexp(tape, log_density, 1), 1);  // (B): sum_d log q(z_id)
  return mean(tape, sub(tape, log_joint, log_marginals));
}

double total_correlation_stratified(const Tensor& z, const GaussianCode& code, double N) {
  const int B = z.dim(0), D = z.dim(1);
  require(B >= 2, "total correlation: the stratified estimate needs a batch of at least 2");
  require(N >= B, "total correlation: dataset size ", N, " is smaller than the batch ", B);
  // A logged diagnostic computed on the host (the tensors are copied back when they live on a GPU).
  const std::vector<float> z_host = z.to_vector(), mean_host = code.mean.to_vector(),
                           log_variance_host = code.log_variance.to_vector();
  const float *zs = z_host.data(), *mu = mean_host.data(), *lv = log_variance_host.data();
  const double log_own = -std::log(N), log_other = std::log((N - 1.0) / (N * (B - 1.0)));
  // log sum_k exp(v_k), shifted by the largest v_k so no exp overflows
  auto log_sum_exp = [](const std::vector<double>& values) {
    double largest = -INFINITY;
    for (double v : values) largest = std::max(largest, v);
    double total = 0.0;
    for (double v : values) total += std::exp(v - largest);
    return largest + std::log(total);
  };
  double tc = 0.0;
  std::vector<double> joint(static_cast<size_t>(B)), marginal(static_cast<size_t>(B));
  for (int i = 0; i < B; ++i) {
    std::vector<double> per_dimension_log_q(static_cast<size_t>(D));
    for (int j = 0; j < B; ++j) joint[size_t(j)] = (j == i ? log_own : log_other);
    for (int d = 0; d < D; ++d) {
      for (int j = 0; j < B; ++j) {
        const size_t ij = size_t(j) * D + d;
        const double diff = double(zs[size_t(i) * D + d]) - mu[ij];
        const double log_density = -0.5 * (diff * diff * std::exp(-double(lv[ij])) + lv[ij] + kLogTwoPi);
        marginal[size_t(j)] = (j == i ? log_own : log_other) + log_density;
        joint[size_t(j)] += log_density;
      }
      per_dimension_log_q[size_t(d)] = log_sum_exp(marginal);
    }
    double log_product = 0.0;
    for (double v : per_dimension_log_q) log_product += v;
    tc += log_sum_exp(joint) - log_product;
  }
  return tc / B;
}

}  // namespace untangle
