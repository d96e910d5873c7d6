#include "metrics/beta_vae_score.h"

#include <cmath>

#include "core/check.h"
#include "metrics/logistic_regression.h"

namespace untangle {

namespace {

// Features (n, D) and labels (n,) of n examples.
void make_examples(const CodeSource& source, size_t batch_size, size_t n, PhiloxRng& rng,
                   std::vector<double>& features, std::vector<int64_t>& labels) {
  const size_t K = source.factor_sizes().size(), D = source.num_codes();
  features.assign(n * D, 0.0);
  labels.resize(n);
  for (size_t example = 0; example < n; ++example) {
    const size_t k = size_t(rng.next_below(K));
    const auto [first, second] = source.sample_pairs_sharing_factor(k, batch_size, rng);
    for (size_t i = 0; i < batch_size; ++i)
      for (size_t d = 0; d < D; ++d)
        features[example * D + d] += std::abs(first[i * D + d] - second[i * D + d]) / double(batch_size);
    labels[example] = int64_t(k);
  }
}

double accuracy(const std::vector<int64_t>& predicted, const std::vector<int64_t>& labels) {
  double correct = 0;
  for (size_t n = 0; n < labels.size(); ++n) correct += predicted[n] == labels[n];
  return labels.empty() ? 0.0 : correct / double(labels.size());
}

}  // namespace

BetaVaeResult beta_vae_score(const CodeSource& source, const BetaVaeOptions& options, PhiloxRng& rng) {
  require(options.batch_size >= 1 && options.num_train >= 1, "beta-VAE score: empty batch or training set");
  const size_t D = source.num_codes();
  std::vector<double> train_features, eval_features;
  std::vector<int64_t> train_labels, eval_labels;
  make_examples(source, options.batch_size, options.num_train, rng, train_features, train_labels);
  make_examples(source, options.batch_size, options.num_eval, rng, eval_features, eval_labels);
  LogisticRegressionClassifier classifier;
  classifier.fit(train_features, options.num_train, D, train_labels);
  BetaVaeResult result;
  result.train_accuracy = accuracy(classifier.predict(train_features, options.num_train), train_labels);
  result.eval_accuracy = accuracy(classifier.predict(eval_features, options.num_eval), eval_labels);
  return result;
}

}  // namespace untangle
