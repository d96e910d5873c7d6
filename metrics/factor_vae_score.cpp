#include "metrics/factor_vae_score.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"

namespace untangle {

namespace {

// Per-column variance (ddof 1) of codes (n, D).
std::vector<double> column_variances(const std::vector<double>& codes, size_t n, size_t D) {
  std::vector<double> mean(D, 0.0), variance(D, 0.0);
  for (size_t i = 0; i < n; ++i)
    for (size_t d = 0; d < D; ++d) mean[d] += codes[i * D + d] / double(n);
  for (size_t i = 0; i < n; ++i)
    for (size_t d = 0; d < D; ++d) variance[d] += (codes[i * D + d] - mean[d]) * (codes[i * D + d] - mean[d]);
  for (double& v : variance) v /= double(n - 1);
  return variance;
}

// votes: (K, D) counts of (factor, code) votes.
std::vector<double> collect_votes(const CodeSource& source, const FactorVaeOptions& options,
                                  const std::vector<double>& global_variance, const std::vector<bool>& active,
                                  size_t num_votes, PhiloxRng& rng) {
  const size_t K = source.factor_sizes().size(), D = source.num_codes();
  std::vector<double> votes(K * D, 0.0);
  for (size_t vote = 0; vote < num_votes; ++vote) {
    const size_t k = size_t(rng.next_below(K));
    const std::vector<double> batch = source.sample_with_fixed_factor(k, options.batch_size, rng);
    const std::vector<double> local_variance = column_variances(batch, options.batch_size, D);
    size_t chosen = D;
    double smallest = std::numeric_limits<double>::infinity();
    for (size_t d = 0; d < D; ++d)
      if (active[d] && local_variance[d] / global_variance[d] < smallest) {
        smallest = local_variance[d] / global_variance[d];
        chosen = d;
      }
    votes[k * D + (chosen == D ? 0 : chosen)] += 1;
  }
  return votes;
}

}  // namespace

FactorVaeResult factor_vae_score(const CodeSource& source, const FactorVaeOptions& options, PhiloxRng& rng) {
  require(options.batch_size >= 2 && options.num_variance_estimate >= 2,
          "FactorVAE score: batch size and variance estimate need >= 2 points");
  const size_t K = source.factor_sizes().size(), D = source.num_codes();
  const LabelledCodes variance_points = source.sample(options.num_variance_estimate, rng);
  const std::vector<double> global_variance =
      column_variances(variance_points.codes, variance_points.num_points, D);
  FactorVaeResult result;
  std::vector<bool> active(D);
  for (size_t d = 0; d < D; ++d) {
    active[d] = std::sqrt(global_variance[d]) >= options.prune_threshold && global_variance[d] > 0;
    result.num_active_dims += active[d];
  }
  if (result.num_active_dims == 0) return result;  // as dl: no active code, accuracies 0

  const std::vector<double> train_votes =
      collect_votes(source, options, global_variance, active, options.num_train, rng);
  const std::vector<double> eval_votes =
      collect_votes(source, options, global_variance, active, options.num_eval, rng);
  // Majority vote: each code predicts the factor that voted for it most (first on ties, like np.argmax).
  double train_correct = 0, eval_correct = 0;
  for (size_t d = 0; d < D; ++d) {
    size_t best = 0;
    for (size_t k = 1; k < K; ++k)
      if (train_votes[k * D + d] > train_votes[best * D + d]) best = k;
    train_correct += train_votes[best * D + d];
    eval_correct += eval_votes[best * D + d];
  }
  result.train_accuracy = options.num_train ? train_correct / double(options.num_train) : 0.0;
  result.eval_accuracy = options.num_eval ? eval_correct / double(options.num_eval) : 0.0;
  return result;
}

}  // namespace untangle
