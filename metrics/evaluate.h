// Runs a chosen set of metrics and names their results: the one entry point for `untangle metrics`,
// `untangle eval` and periodic evaluation during training.
//
// Sizes are data: kReferenceSizes are disentanglement_lib's study settings (metric_configs/*.gin,
// docs/metrics.md); kFastSizes are disent's `compute_fast` settings used
// during training (disent's metrics, docs/metrics.md; disent has no β-VAE score or modularity, so those two
// get 1/10 and 1/5 of the reference sizes).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "metrics/code_source.h"
#include "metrics/labelled_codes.h"

namespace untangle {

struct MetricSizes {
  size_t mig_points;
  size_t dci_train, dci_test;
  size_t sap_train, sap_test;
  size_t modularity_train, modularity_test;
  size_t unsupervised_points;
  size_t factor_vae_batch, factor_vae_train, factor_vae_eval, factor_vae_variance_points;
  size_t beta_vae_batch, beta_vae_train, beta_vae_eval;
};

//                                        mig    dci          sap          modularity   unsup  factorvae
//                                        betavae
inline constexpr MetricSizes kReferenceSizes{10000, 10000, 5000, 10000, 5000, 10000, 5000, 10000,
                                             64,    10000, 5000, 10000, 64,   10000, 5000};
inline constexpr MetricSizes kFastSizes{2000, 1000, 500, 2000, 1000, 2000, 1000, 2000,
                                        64,   700,  350, 1000, 64,   1000, 500};

// Every metric name evaluate_metrics understands, in output order:
// mig, dci, sap, sap_continuous, modularity (with explicitness), unsupervised, factorvae, betavae.
const std::vector<std::string>& metric_names();
// The metrics `untangle metrics` computes when none are named (docs/design.md "Commands"): mig, dci, sap,
// factorvae, betavae.
const std::vector<std::string>& default_metric_names();
// Whether a metric needs factor-conditioned sampling (a CodeSource), not just train/test rows.
bool needs_factor_conditioning(const std::string& metric);

// Called before each requested metric starts (`metric`, how many metrics are done) and once more with
// metric "" when all are done: the apps print progress and an ETA from it (apps/common/metric_progress.h).
using MetricProgress = std::function<void(const std::string& metric, size_t metrics_done)>;

struct EvaluationRequest {
  std::vector<std::string> metrics = default_metric_names();
  MetricSizes sizes = kReferenceSizes;
  uint64_t seed = 0;
  double factor_vae_prune_threshold = 0.05;  // disentanglement_lib's study; disent uses 0
  MetricProgress progress;                   // optional
};

// What one metric will draw: train/test points (for FactorVAE and β-VAE: training and evaluation votes of
// `batch` observations each, or pairs) and the observations encoded in all, its cost when the codes come
// from a model (metrics/representation.h).
struct MetricPlan {
  std::string metric;
  size_t train = 0, test = 0, batch = 0;
  size_t observations = 0;
};
// The requested metrics in evaluation order with the sizes of `request.sizes`.
std::vector<MetricPlan> plan_metrics(const EvaluationRequest& request);
// "mig 10000; dci 10000 train + 5000 test; factorvae 10000 + 5000 votes of 64; ..." for messages and files.
std::string describe_plan(const std::vector<MetricPlan>& plan);
// "reference" or "fast" when `sizes` is one of the two, else "custom".
std::string sizes_name(const MetricSizes& sizes);

// Named results in a fixed order, e.g. {"dci.disentanglement", 0.71}. NaN marks an undefined value.
using MetricScores = std::vector<std::pair<std::string, double>>;

// Each metric draws its own fresh points from `source` (its own random stream from the seed).
MetricScores evaluate_metrics(const CodeSource& source, const EvaluationRequest& request);

// Supervised metrics on exactly the given rows (no sampling, no shuffling): MIG, modularity and the
// unsupervised scores use `train`, DCI/SAP/explicitness train on `train` and test on `test`.
// FactorVAE/β-VAE still need fresh factor-conditioned samples: from `source`, which may be null only
// if they are not requested.
MetricScores evaluate_metrics_on_rows(const LabelledCodes& train, const LabelledCodes& test,
                                      const CodeSource* source, const EvaluationRequest& request);

// Supervised metrics on disjoint train and test pools of rows (metrics/codes_table.h, split_rows): each
// metric takes min(its size, the pool's rows) rows of each pool, drawn without replacement with its own
// stream; metrics without a test set (MIG, SAP continuous, unsupervised) draw from `all` rows.
// FactorVAE/β-VAE draw factor-conditioned samples from `source` as evaluate_metrics does.
MetricScores evaluate_metrics_on_pools(const LabelledCodes& all, const LabelledCodes& train_pool,
                                       const LabelledCodes& test_pool, const CodeSource* source,
                                       const EvaluationRequest& request);
// The plan of evaluate_metrics_on_pools: each size capped by the rows the pools hold.
std::vector<MetricPlan> plan_metrics_on_pools(const EvaluationRequest& request, size_t all_rows,
                                              size_t train_rows, size_t test_rows);

}  // namespace untangle
