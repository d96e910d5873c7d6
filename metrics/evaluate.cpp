#include "metrics/evaluate.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <sstream>

#include "core/check.h"
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

bool needs_factor_conditioning(const std::string& metric) {
  return metric == "factorvae" || metric == "betavae";
}

namespace {

// Supplies (train, test) sets of the requested sizes for a metric.
using PointsFor = std::function<std::pair<LabelledCodes, LabelledCodes>(size_t metric_index, size_t num_train,
                                                                        size_t num_test)>;

MetricScores run_metrics(const PointsFor& points_for, const CodeSource* source,
                         const EvaluationRequest& request) {
  for (const std::string& name : request.metrics)
    require(std::find(metric_names().begin(), metric_names().end(), name) != metric_names().end(),
            "unknown metric '", name,
            "' (known: mig, dci, sap, sap_continuous, modularity, unsupervised, factorvae, betavae)");
  const MetricSizes& sizes = request.sizes;
  MetricScores scores;
  size_t metrics_done = 0;
  // Metrics run in the fixed order of metric_names(), each with its own stream: adding or removing one
  // metric does not change the numbers of another.
  for (size_t m = 0; m < metric_names().size(); ++m) {
    const std::string& name = metric_names()[m];
    if (std::find(request.metrics.begin(), request.metrics.end(), name) == request.metrics.end()) continue;
    if (request.progress) request.progress(name, metrics_done);
    ++metrics_done;
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
      scores.emplace_back("sap_continuous",
                          sap_score_continuous(points_for(m, sizes.sap_train, 0).first).sap);
    } else if (name == "modularity") {
      auto [train, test] = points_for(m, sizes.modularity_train, sizes.modularity_test);
      scores.emplace_back("modularity", modularity_score(train).modularity);
      ExplicitnessResult explicitness = explicitness_score(train, test);
      scores.emplace_back("explicitness_train", explicitness.explicitness_train);
      scores.emplace_back("explicitness_test", explicitness.explicitness_test);
    } else if (name == "unsupervised") {
      UnsupervisedResult u = unsupervised_scores(points_for(m, sizes.unsupervised_points, 0).first);
      scores.emplace_back("unsupervised.gaussian_total_correlation", u.gaussian_total_correlation);
      scores.emplace_back("unsupervised.gaussian_wasserstein_correlation",
                          u.gaussian_wasserstein_correlation);
      scores.emplace_back("unsupervised.gaussian_wasserstein_correlation_norm",
                          u.gaussian_wasserstein_correlation_norm);
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
        BetaVaeResult result =
            beta_vae_score(*source, {sizes.beta_vae_batch, sizes.beta_vae_train, sizes.beta_vae_eval}, rng);
        scores.emplace_back("betavae.train_accuracy", result.train_accuracy);
        scores.emplace_back("betavae.eval_accuracy", result.eval_accuracy);
      }
    }
  }
  if (request.progress) request.progress("", metrics_done);
  return scores;
}

// `wanted` distinct rows of `pool` (all of them when it holds fewer), drawn without replacement.
LabelledCodes draw_without_replacement(const LabelledCodes& pool, size_t wanted, PhiloxRng& rng) {
  const size_t n = pool.num_points, take = std::min(wanted, n);
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  for (size_t i = 0; i < take; ++i) std::swap(order[i], order[i + size_t(rng.next_below(n - i))]);
  order.resize(take);
  return select_rows(pool, order);
}

}  // namespace

std::vector<MetricPlan> plan_metrics(const EvaluationRequest& request) {
  const MetricSizes& z = request.sizes;
  std::vector<MetricPlan> plan;
  for (const std::string& name : metric_names()) {
    if (std::find(request.metrics.begin(), request.metrics.end(), name) == request.metrics.end()) continue;
    MetricPlan p{name};
    if (name == "mig") p.train = z.mig_points;
    if (name == "dci") p.train = z.dci_train, p.test = z.dci_test;
    if (name == "sap") p.train = z.sap_train, p.test = z.sap_test;
    if (name == "sap_continuous") p.train = z.sap_train;
    if (name == "modularity") p.train = z.modularity_train, p.test = z.modularity_test;
    if (name == "unsupervised") p.train = z.unsupervised_points;
    if (name == "factorvae")
      p.train = z.factor_vae_train, p.test = z.factor_vae_eval, p.batch = z.factor_vae_batch;
    if (name == "betavae") p.train = z.beta_vae_train, p.test = z.beta_vae_eval, p.batch = z.beta_vae_batch;
    // FactorVAE also encodes the points that estimate each code's spread; β-VAE encodes pairs.
    if (name == "factorvae")
      p.observations = p.batch * (p.train + p.test) + z.factor_vae_variance_points;
    else if (name == "betavae")
      p.observations = 2 * p.batch * (p.train + p.test);
    else
      p.observations = p.train + p.test;
    plan.push_back(p);
  }
  return plan;
}

std::string describe_plan(const std::vector<MetricPlan>& plan) {
  std::ostringstream out;
  for (size_t i = 0; i < plan.size(); ++i) {
    const MetricPlan& p = plan[i];
    out << (i ? "; " : "") << p.metric << " " << p.train;
    if (p.batch)
      out << " + " << p.test << " votes of " << p.batch << (p.metric == "betavae" ? " pairs" : "");
    else if (p.test)
      out << " train + " << p.test << " test";
  }
  return out.str();
}

std::string sizes_name(const MetricSizes& sizes) {
  auto same = [](const MetricSizes& a, const MetricSizes& b) {
    return std::memcmp(&a, &b, sizeof(MetricSizes)) == 0;
  };
  return same(sizes, kReferenceSizes) ? "reference" : same(sizes, kFastSizes) ? "fast" : "custom";
}

std::vector<MetricPlan> plan_metrics_on_pools(const EvaluationRequest& request, size_t all_rows,
                                              size_t train_rows, size_t test_rows) {
  std::vector<MetricPlan> plan = plan_metrics(request);
  for (MetricPlan& p : plan) {
    if (p.batch) continue;  // factor-conditioned: drawn from the table, not from the pools
    p.train = std::min(p.train, p.test ? train_rows : all_rows);
    p.test = std::min(p.test, test_rows);
    p.observations = p.train + p.test;
  }
  return plan;
}

MetricScores evaluate_metrics_on_pools(const LabelledCodes& all, const LabelledCodes& train_pool,
                                       const LabelledCodes& test_pool, const CodeSource* source,
                                       const EvaluationRequest& request) {
  PointsFor pools = [&](size_t metric_index, size_t num_train, size_t num_test) {
    PhiloxRng rng = PhiloxRng(request.seed).split(metric_index);
    if (num_test == 0) return std::make_pair(draw_without_replacement(all, num_train, rng), LabelledCodes{});
    LabelledCodes train = draw_without_replacement(train_pool, num_train, rng);
    LabelledCodes test = draw_without_replacement(test_pool, num_test, rng);
    return std::make_pair(std::move(train), std::move(test));
  };
  return run_metrics(pools, source, request);
}

MetricScores evaluate_metrics(const CodeSource& source, const EvaluationRequest& request) {
  PointsFor sampled = [&](size_t metric_index, size_t num_train, size_t num_test) {
    PhiloxRng rng = PhiloxRng(request.seed).split(metric_index);
    LabelledCodes train = source.sample(num_train, rng);
    LabelledCodes test = num_test ? source.sample(num_test, rng) : LabelledCodes{};
    return std::make_pair(std::move(train), std::move(test));
  };
  return run_metrics(sampled, &source, request);
}

MetricScores evaluate_metrics_on_rows(const LabelledCodes& train, const LabelledCodes& test,
                                      const CodeSource* source, const EvaluationRequest& request) {
  PointsFor given = [&](size_t, size_t, size_t) { return std::make_pair(train, test); };
  return run_metrics(given, source, request);
}

}  // namespace untangle
