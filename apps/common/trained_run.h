// What a run directory holds, brought back to life: its configuration, dataset, model (with the
// checkpoint's weights) and input pipeline. Shared by `untangle train --resume`, `eval` and `encode`.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "apps/common/json.h"
#include "apps/common/run_config.h"
#include "data/dataset.h"
#include "data/standardise.h"
#include "metrics/active_units.h"
#include "metrics/representation.h"
#include "nn/checkpoint.h"
#include "nn/model.h"

namespace untangle {

// Dataset observations as model inputs: rendered in [0, 1], then standardised per channel when the run
// asks for it (disent's convention; the reconstruction target is the standardised image too).
class InputPipeline {
 public:
  // Statistics the reference does not give are estimated from 4096 observations drawn with `seed`.
  InputPipeline(const GroundTruthDataset& dataset, bool standardise, unsigned long long seed);
  // x: (indices.size(), C, H, W) <- the observations at `indices`.
  void fill(const std::vector<size_t>& indices, Tensor& x) const;
  // Standardises images already rendered in [0, 1] (in place); a no-op without standardisation.
  void standardise(float* images, size_t count) const;
  // The inverse, for showing model outputs as images: back to [0, 1] (clamped).
  void to_display_range(float* images, size_t count) const;
  bool standardising() const { return standardise_; }
  const ChannelStats& stats() const { return stats_; }

 private:
  const GroundTruthDataset& dataset_;
  bool standardise_;
  ChannelStats stats_;
};

// The posterior mean of the model's encoder as a representation function for the metrics.
RepresentationFunction mean_representation(const Model& model, const InputPipeline& inputs);

// The model's active units (metrics/active_units.h): each latent's posterior variance averaged over
// `points` uniformly drawn observations (stream `seed`), active when below 0.8. The over-pruning filter
// of Zietlow et al. §5.3 discards runs with fewer active units than factors. Meaningful for models
// trained with a KL to N(0, I) only (not for an AE or PCL, whose variance head is untrained).
ActiveUnitsResult model_active_units(const Model& model, const GroundTruthDataset& dataset,
                                     const InputPipeline& inputs, size_t points, uint64_t seed);
// Adds "active_units" and "mean_posterior_variance.<d>" (d = 0 .. D-1, D is the latent size) to `json`.
void add_active_units(JsonObject& json, const ActiveUnitsResult& result);

struct TrainedRun {
  std::string directory;
  RunConfig config;
  std::unique_ptr<GroundTruthDataset> dataset;
  std::unique_ptr<InputPipeline> inputs;
  std::unique_ptr<Model> model;
  Checkpoint checkpoint;
  long long step = 0;  // training steps the checkpoint has seen
};

// Reads DIR/config.json and DIR/checkpoint.utg; errors name the file that is missing or damaged.
TrainedRun load_trained_run(const std::string& directory);

// Swaps the run's dataset for another variant of it: a learned manipulation file and/or uniform noise
// (Zietlow et al.'s "mod." and "noise" data), e.g. to score a model trained on the original images on the
// modified ones. An empty manipulation and noise 0 give the clean dataset. Standardisation statistics,
// when the run uses them, are estimated again on the variant.
void use_data_variant(TrainedRun& run, const std::string& manipulation, float noise);

// The same stream roles in every program, derived from the run's seed: weights, data, noise, evaluation.
struct RunStreams {
  explicit RunStreams(unsigned long long seed)
      : weights(PhiloxRng(seed).split(1)),
        data(PhiloxRng(seed).split(2)),
        noise(PhiloxRng(seed).split(3)),
        evaluation(PhiloxRng(seed).split(4)) {}
  PhiloxRng weights, data, noise, evaluation;
};

}  // namespace untangle
