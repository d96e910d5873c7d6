#include "apps/common/decomposition_metrics.h"

#include <algorithm>

#include "data/samplers.h"
#include "metrics/hoyer_sparsity.h"
#include "nn/importance_weighted.h"

namespace untangle {

namespace {
constexpr size_t kChunk = 64;

// The observations at `indices` [first, first + kChunk) as model inputs.
Tensor chunk_inputs(const Model& model, const InputPipeline& inputs, const std::vector<size_t>& indices,
                    size_t first) {
  const ModelSettings& s = model.settings();
  const std::vector<size_t> part(indices.begin() + long(first),
                                 indices.begin() + long(std::min(indices.size(), first + kChunk)));
  Tensor x = Tensor::zeros({int(part.size()), s.channels, s.height, s.width});
  inputs.fill(part, x);
  return x;
}
}  // namespace

double model_hoyer_sparsity(const Model& model, const GroundTruthDataset& dataset,
                            const InputPipeline& inputs, size_t points, uint64_t seed) {
  PhiloxRng rng = PhiloxRng(seed).split(7);
  const std::vector<size_t> indices = sample_uniform_indices(dataset, points, rng);
  std::vector<double> codes;
  codes.reserve(points * size_t(model.settings().latents));
  for (size_t first = 0; first < points; first += kChunk) {
    Tape tape = Tape::evaluation();
    for (float value : model.encode(tape, chunk_inputs(model, inputs, indices, first)).mean.to_vector())
      codes.push_back(value);
  }
  return normalised_hoyer_sparsity(codes, points, size_t(model.settings().latents));
}

double model_log_likelihood(const Model& model, const GroundTruthDataset& dataset,
                            const InputPipeline& inputs, size_t points, int samples, uint64_t seed) {
  PhiloxRng rng = PhiloxRng(seed).split(8);
  const std::vector<size_t> indices = sample_uniform_indices(dataset, points, rng);
  double total = 0.0;
  for (size_t first = 0; first < points; first += kChunk)
    for (double value :
         importance_weighted_log_likelihood(model, chunk_inputs(model, inputs, indices, first), samples, rng))
      total += value;
  return total / double(points);
}

}  // namespace untangle
