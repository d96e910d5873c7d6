#include "metrics/evaluate.h"

#include <algorithm>
#include <functional>

#include "kernels/check.h"
#include "metrics/beta_vae_score.h"
#include "metrics/dci.h"
#include "metrics/factor_vae_score.h"
#include "metrics/mig.h"
#include "metrics/modularity_explicitness.h"
#include "metrics/sap.h"
#include "metrics/unsupervised.h"

namespace untangle {

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = {"mig",        "dci",          "sap",       "sap_continuous",
                                                 "modularity", "unsupervised", "factorvae", "betavae"};
  return names;
}

const std::vector<std::string>& default_metric_names() {
  static const std::vector<std::string> names = {"mig", "dci", "sap", "factorvae", "betavae"};
  return names;
}

bool needs_factor_conditioning(const std::string& metric) { return metric == "factorvae" || metric == "betavae"; }

namespace {

// Supplies (train, test) sets of the requested sizes for a metric.
using PointsFor = std::function<std::pair<LabelledCodes, LabelledCodes>(size_t metric_index, size_t num_train,
                                                                        size_t num_test)>;

MetricScores run_metrics(const PointsFor& points_for, const CodeSource* source, const EvaluationRequest& request) {
  for (const std::string& name : request.metrics)
    require(std::find(metric_names().begin(), metric_names().end(), name) != metric_names().end(), "unknown metric '",
            name, "' (known: mig, dci, sap, sap_continuous, modularity, unsupervised, factorvae, betavae)");
  const MetricSizes& sizes = request.sizes;
  MetricScores scores;
  // Metrics run in the fixed order of metric_names(), each with its own stream: adding or removing one
  // metric does not change the numbers of another.
  for (size_t m = 0; m < metric_names().size(); ++m) {
    const std::string& name = metric_names()[m];
    if (std::find(request.metrics.begin(), request.metrics.end(), name) == request.metrics.end()) continue;
    if (name == "mig") {
      scores.emplace_back("mig", mig_score(points_for(m, sizes.mig_points, 0).first).mig);
    } else if (name == "dci") {
      auto [train, test] = points_for(m, sizes.dci_train, sizes.dci_test);
      DciResult dci = dci_score(train, test, request.seed);
      scores.emplace_back("dci.disentanglement", dci.disentanglement);
      scores.emplace_back("dci.completeness", dci.completeness);
      scores.emplace_back("dci.informativeness_train", dci.informativeness_train);
      scores.emplace_back("dci.informativeness_test", dci.informativeness_test);
    } else if (name == "sap") {
      auto [train, test] = points_for(m, sizes.sap_train, sizes.sap_test);
      scores.emplace_back("sap", sap_score(train, test).sap);
    } else if (name == "sap_continuous") {
      scores.emplace_back("sap_continuous", sap_score_continuous(points_for(m, sizes.sap_train, 0).first).sap);
    } else if (name == "modularity") {
      auto [train, test] = points_for(m, sizes.modularity_train, sizes.modularity_test);
      scores.emplace_back("modularity", modularity_score(train).modularity);
      ExplicitnessResult explicitness = explicitness_score(train, test);
      scores.emplace_back("explicitness_train", explicitness.explicitness_train);
      scores.emplace_back("explicitness_test", explicitness.explicitness_test);
    } else if (name == "unsupervised") {
      UnsupervisedResult u = unsupervised_scores(points_for(m, sizes.unsupervised_points, 0).first);
      scores.emplace_back("unsupervised.gaussian_total_correlation", u.gaussian_total_correlation);
      scores.emplace_back("unsupervised.gaussian_wasserstein_correlation", u.gaussian_wasserstein_correlation);
      scores.emplace_back("unsupervised.gaussian_wasserstein_correlation_norm", u.gaussian_wasserstein_correlation_norm);
      scores.emplace_back("unsupervised.mutual_info_score", u.mutual_info_score);
    } else if (name == "factorvae" || name == "betavae") {
      require(source != nullptr, name, " needs factor-conditioned samples (a dataset or a codes table)");
      PhiloxRng rng = PhiloxRng(request.seed).split(m);
      if (name == "factorvae") {
        FactorVaeOptions options{sizes.factor_vae_batch, sizes.factor_vae_train, sizes.factor_vae_eval,
                                 sizes.factor_vae_variance_points, request.factor_vae_prune_threshold};
        FactorVaeResult result = factor_vae_score(*source, options, rng);
        scores.emplace_back("factorvae.train_accuracy", result.train_accuracy);
        scores.emplace_back("factorvae.eval_accuracy", result.eval_accuracy);
        scores.emplace_back("factorvae.num_active_dims", double(result.num_active_dims));
      } else {
        BetaVaeResult result = beta_vae_score(*source, {sizes.beta_vae_batch, sizes.beta_vae_train, sizes.beta_vae_eval}, rng);
        scores.emplace_back("betavae.train_accuracy", result.train_accuracy);
        scores.emplace_back("betavae.eval_accuracy", result.eval_accuracy);
      }
    }
  }
  return scores;
}

}  // namespace

MetricScores evaluate_metrics(const CodeSource& source, const EvaluationRequest& request) {
  PointsFor sampled = [&](size_t metric_index, size_t num_train, size_t num_test) {
    PhiloxRng rng = PhiloxRng(request.seed).split(metric_index);
    LabelledCodes train = source.sample(num_train, rng);
    LabelledCodes test = num_test ? source.sample(num_test, rng) : LabelledCodes{};
    return std::make_pair(std::move(train), std::move(test));
  };
  return run_metrics(sampled, &source, request);
}

MetricScores evaluate_metrics_on_rows(const LabelledCodes& train, const LabelledCodes& test, const CodeSource* source,
                                      const EvaluationRequest& request) {
  PointsFor given = [&](size_t, size_t, size_t) { return std::make_pair(train, test); };
  return run_metrics(given, source, request);
}

}  // namespace untangle
