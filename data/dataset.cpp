#include "data/dataset.h"

#include "core/check.h"
#include "kernels/cpu/parallel.h"

namespace untangle {

size_t GroundTruthDataset::size() const {
  size_t total = 1;
  for (size_t s : factor_sizes()) total *= s;
  return total;
}

std::vector<size_t> GroundTruthDataset::index_to_factors(size_t index) const {
  std::vector<size_t> sizes = factor_sizes();
  require(index < size(), name(), ": index ", index, " out of range (", size(), " observations)");
  std::vector<size_t> factors(sizes.size());
  for (size_t k = sizes.size(); k-- > 0;) {
    factors[k] = index % sizes[k];
    index /= sizes[k];
  }
  return factors;
}

size_t GroundTruthDataset::factors_to_index(const std::vector<size_t>& factors) const {
  std::vector<size_t> sizes = factor_sizes();
  require(factors.size() == sizes.size(), name(), ": expected ", sizes.size(), " factors, got ",
          factors.size());
  size_t index = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    require(factors[k] < sizes[k], name(), ": factor ", k, " value ", factors[k], " out of range (size ",
            sizes[k], ")");
    index = index * sizes[k] + factors[k];
  }
  return index;
}

void GroundTruthDataset::render_batch(const std::vector<size_t>& indices, float* out) const {
  const size_t stride = observation_size();
  const long long count = (long long)indices.size();
  // A training batch (64-256 images) renders in well under a millisecond on one core for every
  // renderer here (docs/datasets.md), so only batches where each thread gets 256 images or more are split.
  parallel_for(
      count,
      [&](long long begin, long long end, int) {
        for (long long i = begin; i < end; ++i) render(indices[size_t(i)], out + size_t(i) * stride);
      },
      256);
}

void GroundTruthDataset::render_hwc(size_t index, float* out_hwc) const {
  const size_t c_count = channels(), pixels = height() * width();
  std::vector<float> chw(observation_size());
  render(index, chw.data());
  for (size_t c = 0; c < c_count; ++c)
    for (size_t p = 0; p < pixels; ++p) out_hwc[p * c_count + c] = chw[c * pixels + p];
}

}  // namespace untangle
