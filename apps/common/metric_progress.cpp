#include "apps/common/metric_progress.h"

#include <cstdio>

#include "apps/common/progress.h"
#include "data/samplers.h"

namespace untangle {

MetricProgressPrinter::MetricProgressPrinter(std::string label, std::vector<MetricPlan> plan,
                                             double seconds_per_observation)
    : label_(std::move(label)),
      plan_(std::move(plan)),
      seconds_per_observation_(seconds_per_observation),
      start_(std::chrono::steady_clock::now()) {}

size_t MetricProgressPrinter::observations_of_first(size_t metrics) const {
  size_t total = 0;
  for (size_t i = 0; i < metrics && i < plan_.size(); ++i) total += plan_[i].observations;
  return total;
}

void MetricProgressPrinter::announce(const std::string& sizes) const {
  const size_t total = observations_of_first(plan_.size());
  std::fprintf(stderr, "%s: %zu metric(s) at %s sizes: %s\n", label_.c_str(), plan_.size(), sizes.c_str(),
               describe_plan(plan_).c_str());
  if (seconds_per_observation_ > 0)
    std::fprintf(stderr, "%s: %zu observations to encode at %.3g ms each: about %s\n", label_.c_str(), total,
                 seconds_per_observation_ * 1e3,
                 ProgressReporter::clock_text(seconds_per_observation_ * double(total)).c_str());
  else
    std::fprintf(stderr, "%s: time estimate after the first metric\n", label_.c_str());
  std::fflush(stderr);
}

MetricProgress MetricProgressPrinter::callback() {
  start_ = std::chrono::steady_clock::now();
  return [this](const std::string& metric, size_t metrics_done) { on_metric(metric, metrics_done); };
}

void MetricProgressPrinter::on_metric(const std::string& metric, size_t metrics_done) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const size_t done = observations_of_first(metrics_done), total = observations_of_first(plan_.size());
  // Seconds per observation: measured on the metrics done so far, else the caller's estimate.
  const double rate = done > 0 ? elapsed / double(done) : seconds_per_observation_;
  const std::string eta = rate > 0 ? ProgressReporter::clock_text(rate * double(total - done)) : "unknown";
  if (metric.empty()) {
    std::fprintf(stderr, "%s: %zu metric(s) done in %s\n", label_.c_str(), metrics_done,
                 ProgressReporter::clock_text(elapsed).c_str());
  } else {
    std::fprintf(stderr, "%s: [%zu/%zu] %s  elapsed %s  ETA %s\n", label_.c_str(), metrics_done + 1,
                 plan_.size(), metric.c_str(), ProgressReporter::clock_text(elapsed).c_str(), eta.c_str());
  }
  std::fflush(stderr);
}

double measure_seconds_per_observation(const GroundTruthDataset& dataset,
                                       const RepresentationFunction& representation, size_t num_codes,
                                       uint64_t seed) {
  const size_t count = 256;
  PhiloxRng rng = PhiloxRng(seed).split(7);
  const std::vector<size_t> indices = sample_uniform_indices(dataset, count, rng);
  std::vector<float> images(count * dataset.observation_size()), codes(count * num_codes);
  dataset.render_batch(indices, images.data());
  representation(images.data(), count, codes.data());  // a first call warms caches and allocators up
  const auto start = std::chrono::steady_clock::now();
  dataset.render_batch(indices, images.data());
  representation(images.data(), count, codes.data());
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / double(count);
}

MetricScores evaluate_model_with_progress(const std::string& label, const Model& model,
                                          const GroundTruthDataset& dataset, const InputPipeline& inputs,
                                          EvaluationRequest request) {
  const size_t num_codes = size_t(model.settings().latents);
  const RepresentationFunction representation = mean_representation(model, inputs);
  DatasetCodeSource source(dataset, representation, num_codes);
  MetricProgressPrinter printer(
      label, plan_metrics(request),
      measure_seconds_per_observation(dataset, representation, num_codes, request.seed));
  printer.announce(sizes_name(request.sizes));
  request.progress = printer.callback();
  return evaluate_metrics(source, request);
}

}  // namespace untangle
