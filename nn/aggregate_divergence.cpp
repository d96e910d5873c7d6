#include "nn/aggregate_divergence.h"

#include <cmath>

#include "core/check.h"

namespace untangle {

namespace {
constexpr double kLogTwoPi = 1.8378770664093453;

// sum over i, j (and d) of C / (C + (a_id - b_jd)^2) for every C, for a: (Ba, D), b: (Bb, D) -> scalar
Tensor imq_kernel_sum(Tape& tape, const Tensor& a, const Tensor& b) {
  const int D = a.dim(1);
  Tensor rows = reshape(tape, a, {a.dim(0), 1, D});
  Tensor columns = reshape(tape, b, {1, b.dim(0), D});
  Tensor squared_distance = square(tape, sub(tape, rows, columns));  // (Ba, Bb, D)
  Tensor total;
  for (float C : imq_kernel_constants()) {
    // C / (C + d) = 1 / (1 + d / C)
    Tensor one = Tensor::scalar(1.0f, a.device());
    Tensor kernel = div(tape, one, add_scalar(tape, scale(tape, squared_distance, 1.0f / C), 1.0f));
    Tensor part = sum(tape, kernel);
    total = total.defined() ? add(tape, total, part) : part;
  }
  return total;
}
}  // namespace

AggregateDivergence aggregate_divergence_from_name(const std::string& name) {
  if (name == "mmd") return AggregateDivergence::Mmd;
  if (name == "aggregate_kl") return AggregateDivergence::AggregateKl;
  fail("unknown divergence '", name, "' (known: mmd, aggregate_kl)");
}

std::string aggregate_divergence_name(AggregateDivergence divergence) {
  return divergence == AggregateDivergence::Mmd ? "mmd" : "aggregate_kl";
}

const std::vector<float>& imq_kernel_constants() {
  static const std::vector<float> constants = {0.2f, 0.4f, 1.0f, 2.0f, 4.0f, 10.0f};  // 2 x {.1,.2,.5,1,2,5}
  return constants;
}

Tensor dimensionwise_imq_mmd(Tape& tape, const Tensor& prior_samples, const Tensor& posterior_samples) {
  require(prior_samples.rank() == 2 && prior_samples.shape() == posterior_samples.shape(),
          "mmd: prior and posterior samples must both be (B, D)");
  const int B = prior_samples.dim(0), D = prior_samples.dim(1);
  require(B >= 2, "mmd: needs a batch of at least 2, got ", B);
  // The i == j terms of each within-set sum are k(a, a) = 1 for every C: B * D * (number of C) of them.
  const float diagonal = float(B) * float(D) * float(imq_kernel_constants().size());
  Tensor within = add(tape, imq_kernel_sum(tape, prior_samples, prior_samples),
                      imq_kernel_sum(tape, posterior_samples, posterior_samples));
  Tensor within_off_diagonal = scale(tape, add_scalar(tape, within, -2.0f * diagonal), 1.0f / float(B - 1));
  Tensor cross = scale(tape, imq_kernel_sum(tape, prior_samples, posterior_samples), 2.0f / float(B));
  return scale(tape, sub(tape, within_off_diagonal, cross), 1.0f / float(B));
}

Tensor aggregate_posterior_kl(Tape& tape, const Prior& prior, const Tensor& prior_samples,
                              const GaussianCode& code) {
  const int B = code.mean.dim(0), D = code.mean.dim(1);
  require(prior_samples.rank() == 2 && prior_samples.dim(1) == D, "aggregate KL: prior samples must be (S, ",
          D, ")");
  const int S = prior_samples.dim(0);
  Tensor log_prior = sum(tape, prior.log_density(tape, prior_samples), 1);  // (S)
  // log q(zp_i | x_j) = sum_d -0.5 ((zp_id - mean_jd)^2 / var_jd + log var_jd + log 2 pi)   (S, B)
  Tensor samples = reshape(tape, prior_samples, {S, 1, D});
  Tensor means = reshape(tape, code.mean, {1, B, D});
  Tensor log_variances = reshape(tape, code.log_variance, {1, B, D});
  Tensor scaled =
      mul(tape, square(tape, sub(tape, samples, means)), exp(tape, scale(tape, log_variances, -1.0f)));
  Tensor log_density =
      scale(tape, add_scalar(tape, add(tape, scaled, log_variances), float(kLogTwoPi)), -0.5f);  // (S, B, D)
  Tensor log_aggregate = add_scalar(tape, logsumexp(tape, sum(tape, log_density, 2), 1),
                                    -float(std::log(double(B))));  // (S)
  return mean(tape, sub(tape, log_prior, log_aggregate));
}

}  // namespace untangle
