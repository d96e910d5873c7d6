// Per-channel input standardisation, as disent trains (disent's dataset transforms; docs/models.md, the
// conventions table): images are uint8 -> /255 -> CHW -> (x - mean) / std per channel, and the MSE target is
// the standardised image too. The renderers here always produce [0, 1]; standardisation is applied on top, to
// a batch.
#pragma once
#include <string>
#include <vector>

#include "data/dataset.h"
#include "kernels/cpu/philox.h"

namespace untangle {

struct ChannelStats {
  std::vector<float> mean, std;  // one value per channel
};

// The values disent's configs use, where the reference gives them (docs/reference/datasets.md
// "standardisation"): xysquares (any spacing) 0.015625 / 0.12403473458920855 per channel (1/sqrt(65); the
// exact population std is sqrt(1/64 - 1/4096) = 0.1240195), xysquares_grey 0.046146 / 0.209651, dsprites
// 0.042494 / 0.195166. Returns false for other datasets (measure them with estimate_channel_stats).
bool reference_channel_stats(const std::string& dataset_name, ChannelStats& out);

// Mean and standard deviation per channel over `count` uniformly sampled observations.
ChannelStats estimate_channel_stats(const GroundTruthDataset& dataset, size_t count, PhiloxRng& rng);

// batch: (B, C, H, W), in place: x <- (x - mean[c]) / std[c].
void standardise_batch(float* batch, size_t batch_size, size_t channels, size_t pixels_per_channel,
                       const ChannelStats& stats);

}  // namespace untangle
