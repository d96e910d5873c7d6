#include "apps/common/trained_run.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/check.h"
#include "data/samplers.h"

namespace untangle {

InputPipeline::InputPipeline(const GroundTruthDataset& dataset, bool standardise, unsigned long long seed)
    : dataset_(dataset), standardise_(standardise) {
  PhiloxRng stats_rng = PhiloxRng(seed).split(5);
  if (standardise_ && !reference_channel_stats(dataset.name(), stats_))
    stats_ = estimate_channel_stats(dataset, 4096, stats_rng);
}

void InputPipeline::fill(const std::vector<size_t>& indices, Tensor& x) const {
  require(x.numel() == indices.size() * dataset_.observation_size(), "input pipeline: batch tensor ",
          shape_string(x.shape()), " does not hold ", indices.size(), " observations");
  dataset_.render_batch(indices, x.data());
  standardise(x.data(), indices.size());
}

void InputPipeline::standardise(float* images, size_t count) const {
  if (!standardise_) return;
  standardise_batch(images, count, dataset_.channels(), dataset_.height() * dataset_.width(), stats_);
}

void InputPipeline::to_display_range(float* images, size_t count) const {
  const size_t channels = dataset_.channels(), pixels = dataset_.height() * dataset_.width();
  for (size_t i = 0; i < count; ++i)
    for (size_t c = 0; c < channels; ++c) {
      float* plane = images + (i * channels + c) * pixels;
      for (size_t p = 0; p < pixels; ++p) {
        float v = standardise_ ? plane[p] * stats_.std[c] + stats_.mean[c] : plane[p];
        plane[p] = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
      }
    }
}

RepresentationFunction mean_representation(const Model& model, const InputPipeline& inputs) {
  return [&model, &inputs](const float* images, size_t batch, float* codes) {
    const ModelSettings& s = model.settings();
    Tensor x = Tensor::zeros({int(batch), s.channels, s.height, s.width});
    std::memcpy(x.data(), images, x.numel() * sizeof(float));
    inputs.standardise(x.data(), batch);
    Tape tape = Tape::evaluation();
    GaussianCode code = model.encode(tape, x);
    const std::vector<float> means = code.mean.to_vector();  // from the model's device
    std::memcpy(codes, means.data(), means.size() * sizeof(float));
  };
}

void use_data_variant(TrainedRun& run, const std::string& manipulation, float noise) {
  run.config.manipulation =
      manipulation.empty() ? manipulation : std::filesystem::absolute(manipulation).string();
  run.config.noise = noise;
  require(noise == 0.0f || manipulation.empty(), "give --noise or --manipulation, not both");
  validate_run_config(run.config, kCommandLine);  // --noise / --manipulation
  run.inputs.reset();                             // it refers to the dataset being replaced
  run.dataset = make_dataset(run.config.dataset, run.config.dataset_options());
  check_model_fits_dataset(run.config, *run.dataset, "--manipulation");
  run.inputs = std::make_unique<InputPipeline>(*run.dataset, run.config.standardise, run.config.seed);
}

ActiveUnitsResult model_active_units(const Model& model, const GroundTruthDataset& dataset,
                                     const InputPipeline& inputs, size_t points, uint64_t seed) {
  const ModelSettings& s = model.settings();
  PhiloxRng rng = PhiloxRng(seed).split(6);
  const std::vector<size_t> indices = sample_uniform_indices(dataset, points, rng);
  std::vector<double> variances;
  variances.reserve(points * size_t(s.latents));
  const size_t chunk = 256;
  for (size_t first = 0; first < points; first += chunk) {
    const std::vector<size_t> part(indices.begin() + first,
                                   indices.begin() + std::min(points, first + chunk));
    Tensor x = Tensor::zeros({int(part.size()), s.channels, s.height, s.width});
    inputs.fill(part, x);
    Tape tape = Tape::evaluation();
    for (float log_variance : model.encode(tape, x).log_variance.to_vector())
      variances.push_back(std::exp(double(log_variance)));
  }
  return active_units(variances, points, size_t(s.latents));
}

void add_active_units(JsonObject& json, const ActiveUnitsResult& result) {
  json.add("active_units", (long long)result.num_active);
  for (size_t d = 0; d < result.mean_posterior_variance.size(); ++d)
    json.add("mean_posterior_variance." + std::to_string(d), result.mean_posterior_variance[d]);
}

TrainedRun load_trained_run(const std::string& directory) {
  TrainedRun run;
  run.directory = directory;
  const std::string config_path = directory + "/config.json";
  run.config = read_run_config(config_path);
  run.dataset = make_dataset(run.config.dataset, run.config.dataset_options());
  check_model_fits_dataset(run.config, *run.dataset, config_path);
  RunStreams streams(run.config.seed);
  run.inputs = std::make_unique<InputPipeline>(*run.dataset, run.config.standardise, run.config.seed);
  run.model = make_model(run.config.model, streams.weights);
  const std::string path = directory + "/checkpoint.utg";
  run.checkpoint = load_checkpoint(path);
  run.checkpoint.restore(run.model->checkpointed_tensors(), path);
  auto step = run.checkpoint.metadata.find("step");
  require(step != run.checkpoint.metadata.end(), path, ": checkpoint has no 'step' record");
  run.step = parse_integer_text(step->second, path + ": checkpoint record 'step'");
  require(run.step >= 0, path, ": checkpoint record 'step' is negative (", run.step, ")");
  return run;
}

}  // namespace untangle
