// β-VAE score (Higgins et al. 2017, "β-VAE: Learning Basic Visual Concepts with a Constrained
// Variational Framework"), as disentanglement_lib computes it (beta_vae.py;
// docs/metrics.md):
// - one example: a random factor k; batch_size pairs of observations whose members share factor k;
//   feature = mean over the pairs of |z(x1) − z(x2)| (length D); label k;
// - a LogisticRegression() (defaults: C = 1, L2, multinomial lbfgs in sklearn ≥ 0.22) is trained on
//   num_train examples; score = eval_accuracy on num_eval fresh examples.
#pragma once
#include <cstddef>

#include "metrics/code_source.h"

namespace untangle {

struct BetaVaeOptions {
  size_t batch_size = 64;
  size_t num_train = 10000;
  size_t num_eval = 5000;
};

struct BetaVaeResult {
  double train_accuracy = 0, eval_accuracy = 0;
};

BetaVaeResult beta_vae_score(const CodeSource& source, const BetaVaeOptions& options, PhiloxRng& rng);

}  // namespace untangle
