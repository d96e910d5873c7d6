// The two numbers Mathieu et al. report beside the disentanglement scores (ICML 2019, experiments; iffsid/
// disentangling-disentanglement src/metrics.py, src/objectives.py iwae_objective), for a trained model on
// its dataset: the normalised Hoyer sparsity of the encoder means (metrics/hoyer_sparsity.h) and the
// importance-weighted estimate of log p(x) (nn/importance_weighted.h). Used by `untangle eval` and the
// mathieu_rotation app.
#pragma once
#include <cstdint>

#include "apps/common/trained_run.h"

namespace untangle {

// Mean normalised Hoyer sparsity of the posterior means of `points` observations drawn uniformly (stream
// `seed`).
double model_hoyer_sparsity(const Model& model, const GroundTruthDataset& dataset,
                            const InputPipeline& inputs, size_t points, uint64_t seed);

// Mean over `points` uniformly drawn observations of the IWAE estimate of log p(x) with `samples`
// importance samples each (nats per observation).
double model_log_likelihood(const Model& model, const GroundTruthDataset& dataset,
                            const InputPipeline& inputs, size_t points, int samples, uint64_t seed);

}  // namespace untangle
