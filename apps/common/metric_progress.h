// Progress of a long evaluation on stderr: before it starts, the metrics, the sample sizes they use and
// an estimate of the time; then one line per metric with the time so far and an ETA. Used by
// `untangle eval`, `untangle metrics` and the trainer's final evaluation.
//
// The ETA weighs each metric by the observations it draws (metrics/evaluate.h, plan_metrics): encoding
// them dominates when the codes come from a model. Before any metric has finished, the estimate comes
// from a measured cost per observation when the caller has one.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "apps/common/trained_run.h"
#include "metrics/evaluate.h"

namespace untangle {

class MetricProgressPrinter {
 public:
  // `label` starts every line ("eval"); seconds_per_observation: 0 when unknown.
  MetricProgressPrinter(std::string label, std::vector<MetricPlan> plan, double seconds_per_observation);
  // The plan and the estimate, printed once before the evaluation starts.
  void announce(const std::string& sizes) const;
  // For EvaluationRequest::progress; the printer must outlive the evaluation.
  MetricProgress callback();

 private:
  void on_metric(const std::string& metric, size_t metrics_done);
  size_t observations_of_first(size_t metrics) const;

  std::string label_;
  std::vector<MetricPlan> plan_;
  double seconds_per_observation_;
  std::chrono::steady_clock::time_point start_;
};

// The cost of encoding one observation with `representation`: 256 random observations of `dataset`
// rendered and encoded twice, the second time timed (the first warms caches and allocators up).
double measure_seconds_per_observation(const GroundTruthDataset& dataset,
                                       const RepresentationFunction& representation, size_t num_codes,
                                       uint64_t seed);

// A model's metrics on fresh observations of its dataset (evaluate_metrics with a DatasetCodeSource),
// announced and reported on stderr under `label`.
MetricScores evaluate_model_with_progress(const std::string& label, const Model& model,
                                          const GroundTruthDataset& dataset, const InputPipeline& inputs,
                                          EvaluationRequest request);

}  // namespace untangle
