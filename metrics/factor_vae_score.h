// FactorVAE score (Kim & Mnih 2018, "Disentangling by Factorising"), as disentanglement_lib computes it
// (factor_vae.py; docs/metrics.md):
// - global variance of each code over num_variance_estimate random observations (ddof 1); codes with
//   std < prune_threshold are inactive (dl's study: 0.05, its code default and disent: 0); none active
//   -> accuracies 0;
// - one vote: a random factor k; a batch of observations sharing one value of k; the active code with
//   the smallest (batch variance / global variance) votes for k;
// - the majority-vote classifier maps each code to the factor it got most votes for;
//   train_accuracy on num_train votes, eval_accuracy (the score) on num_eval fresh votes.
// dl's quirk (argmin index taken within the active subset, not remapped) only relabels codes and
// leaves the accuracies unchanged; we index codes directly. dl also reports num_active_dims = D by
// mistake; we report the real count.
#pragma once
#include <cstddef>

#include "metrics/code_source.h"

namespace untangle {

struct FactorVaeOptions {
  size_t batch_size = 64;
  size_t num_train = 10000;
  size_t num_eval = 5000;
  size_t num_variance_estimate = 10000;
  double prune_threshold = 0.05;
};

struct FactorVaeResult {
  double train_accuracy = 0, eval_accuracy = 0;
  size_t num_active_dims = 0;
};

FactorVaeResult factor_vae_score(const CodeSource& source, const FactorVaeOptions& options, PhiloxRng& rng);

}  // namespace untangle
