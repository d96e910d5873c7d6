// Per-channel standardisation; see standardise.h.
#include "data/standardise.h"

#include <cmath>

#include "core/check.h"
#include "data/samplers.h"

namespace untangle {

bool reference_channel_stats(const std::string& name, ChannelStats& out) {
  if (name == "xysquares")
    out = {{0.015625f, 0.015625f, 0.015625f}, {0.12403473f, 0.12403473f, 0.12403473f}};
  else if (name == "xysquares_grey")
    out = {{0.046146f}, {0.209651f}};
  else if (name == "dsprites")
    out = {{0.042494f}, {0.195166f}};
  else
    return false;
  return true;
}

ChannelStats estimate_channel_stats(const GroundTruthDataset& dataset, size_t count, PhiloxRng& rng) {
  require(count > 0, "estimate_channel_stats: need at least one observation");
  const size_t channels = dataset.channels(), pixels = dataset.height() * dataset.width();
  std::vector<size_t> indices = sample_uniform_indices(dataset, count, rng);
  std::vector<double> sum(channels, 0.0), sum_squares(channels, 0.0);
  std::vector<float> image(dataset.observation_size());
  for (size_t index : indices) {
    dataset.render(index, image.data());
    for (size_t c = 0; c < channels; ++c)
      for (size_t p = 0; p < pixels; ++p) {
        double v = image[c * pixels + p];
        sum[c] += v;
        sum_squares[c] += v * v;
      }
  }
  ChannelStats stats;
  const double n = double(count) * double(pixels);
  for (size_t c = 0; c < channels; ++c) {
    double mean = sum[c] / n;
    stats.mean.push_back(float(mean));
    stats.std.push_back(float(std::sqrt(std::max(0.0, sum_squares[c] / n - mean * mean))));
  }
  return stats;
}

void standardise_batch(float* batch, size_t batch_size, size_t channels, size_t pixels,
                       const ChannelStats& stats) {
  require(stats.mean.size() == channels && stats.std.size() == channels, "standardise: stats for ",
          stats.mean.size(), " channels, batch has ", channels);
  for (size_t b = 0; b < batch_size; ++b)
    for (size_t c = 0; c < channels; ++c) {
      require(stats.std[c] > 0, "standardise: channel ", c, " has zero standard deviation");
      float* x = batch + (b * channels + c) * pixels;
      const float mean = stats.mean[c], inverse_std = 1.0f / stats.std[c];
      for (size_t p = 0; p < pixels; ++p) x[p] = (x[p] - mean) * inverse_std;
    }
}

}  // namespace untangle
