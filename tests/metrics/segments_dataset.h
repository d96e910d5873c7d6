// A tiny ground-truth dataset for the metrics tests whose observations spell out their factors:
// a 1 x 1 x W strip with, for every factor, its own segment holding a bar of `bar_width` bright pixels
// starting at the factor's value. Bars of width 1 never overlap between values (like XYSquares with
// spacing 8); wider bars overlap between neighbouring values (like dSprites positions).
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace untangle::test {

class SegmentsDataset final : public GroundTruthDataset {
 public:
  explicit SegmentsDataset(std::vector<size_t> sizes, size_t bar_width = 1)
      : sizes_(std::move(sizes)), bar_(bar_width) {}
  std::string name() const override { return "segments"; }
  std::vector<std::string> factor_names() const override {
    std::vector<std::string> names;
    for (size_t k = 0; k < sizes_.size(); ++k) names.push_back("f" + std::to_string(k));
    return names;
  }
  std::vector<size_t> factor_sizes() const override { return sizes_; }
  size_t channels() const override { return 1; }
  size_t height() const override { return 1; }
  size_t width() const override {
    size_t w = 0;
    for (size_t s : sizes_) w += s + bar_ - 1;
    return w;
  }
  void render(size_t index, float* out) const override {
    std::fill(out, out + width(), 0.0f);
    const std::vector<size_t> factors = index_to_factors(index);
    size_t offset = 0;
    for (size_t k = 0; k < sizes_.size(); ++k) {
      for (size_t b = 0; b < bar_; ++b) out[offset + factors[k] + b] = 1.0f;
      offset += sizes_[k] + bar_ - 1;
    }
  }

  // A representation that reads each factor back from its segment (the first bright pixel).
  void decode_factors(const float* image, size_t k_count, float* codes) const {
    size_t offset = 0;
    for (size_t k = 0; k < k_count; ++k) {
      size_t position = 0;
      while (image[offset + position] < 0.5f) ++position;
      codes[k] = float(position);
      offset += sizes_[k] + bar_ - 1;
    }
  }

 private:
  std::vector<size_t> sizes_;
  size_t bar_;
};

}  // namespace untangle::test
