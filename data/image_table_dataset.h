// A dataset whose observations are stored images (uint8, HWC) rather than rendered: what the real-file
// readers produce, and an in-memory cache for any renderer. Row i of the table is flat index i, so the
// rows must already be in the grid's row-major order (the real files are).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace untangle {

class ImageTableDataset : public GroundTruthDataset {
 public:
  // images: (N, H, W, C) uint8 with N = product(factor_sizes); value_scale maps a byte to [0, 1]
  // (1/255 for 0..255 images, 1 for dSprites' 0/1 bytes).
  ImageTableDataset(std::string name, std::vector<std::string> factor_names, std::vector<size_t> factor_sizes,
                    std::vector<bool> categorical, size_t height, size_t width, size_t channels,
                    std::vector<uint8_t> images, float value_scale);

  std::string name() const override { return name_; }
  std::vector<std::string> factor_names() const override { return factor_names_; }
  std::vector<size_t> factor_sizes() const override { return factor_sizes_; }
  std::vector<bool> categorical_factors() const override { return categorical_; }
  size_t channels() const override { return channels_; }
  size_t height() const override { return height_; }
  size_t width() const override { return width_; }
  void render(size_t index, float* out_chw) const override;

 private:
  std::string name_;
  std::vector<std::string> factor_names_;
  std::vector<size_t> factor_sizes_;
  std::vector<bool> categorical_;
  size_t height_, width_, channels_;
  std::vector<uint8_t> images_;
  float value_scale_;
};

// Renders every observation of `dataset` once into a table (0..255 bytes), for renderers slower than
// training needs. Memory: size() * observation_size() bytes.
ImageTableDataset cache_in_memory(const GroundTruthDataset& dataset);

}  // namespace untangle
