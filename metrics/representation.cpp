#include "metrics/representation.h"

#include <algorithm>

#include "core/check.h"

namespace untangle {

DatasetCodeSource::DatasetCodeSource(const GroundTruthDataset& dataset, RepresentationFunction representation,
                                     size_t num_codes, size_t chunk_size)
    : GridCodeSource(dataset.factor_sizes()),
      dataset_(dataset),
      representation_(std::move(representation)),
      num_codes_(num_codes),
      chunk_size_(chunk_size) {
  require(bool(representation_), "dataset code source: no representation function");
  require(num_codes_ > 0 && chunk_size_ > 0,
          "dataset code source: num_codes and chunk_size must be positive");
}

std::vector<double> DatasetCodeSource::encode_factors(const std::vector<size_t>& factors, size_t n) const {
  const size_t K = dataset_.num_factors(), observation = dataset_.observation_size();
  std::vector<double> codes(n * num_codes_);
  std::vector<float> images, chunk_codes;
  std::vector<size_t> indices;
  for (size_t start = 0; start < n; start += chunk_size_) {
    const size_t batch = std::min(chunk_size_, n - start);
    indices.resize(batch);
    for (size_t i = 0; i < batch; ++i) indices[i] = flat_index(&factors[(start + i) * K]);
    images.resize(batch * observation);
    dataset_.render_batch(indices, images.data());
    chunk_codes.assign(batch * num_codes_, 0.0f);
    representation_(images.data(), batch, chunk_codes.data());
    std::copy(chunk_codes.begin(), chunk_codes.end(), codes.begin() + start * num_codes_);
  }
  return codes;
}

}  // namespace untangle
