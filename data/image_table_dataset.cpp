// Stored-image datasets; see image_table_dataset.h.
#include "data/image_table_dataset.h"

#include <cmath>

#include "core/check.h"
#include "kernels/cpu/parallel.h"

namespace untangle {

ImageTableDataset::ImageTableDataset(std::string name, std::vector<std::string> factor_names,
                                     std::vector<size_t> factor_sizes, std::vector<bool> categorical,
                                     size_t height, size_t width, size_t channels,
                                     std::vector<uint8_t> images, float value_scale)
    : name_(std::move(name)),
      factor_names_(std::move(factor_names)),
      factor_sizes_(std::move(factor_sizes)),
      categorical_(std::move(categorical)),
      height_(height),
      width_(width),
      channels_(channels),
      images_(std::move(images)),
      value_scale_(value_scale) {
  require(factor_names_.size() == factor_sizes_.size() && categorical_.size() == factor_sizes_.size(), name_,
          ": factor names, sizes and categorical flags disagree in number");
  require(images_.size() == size() * observation_size(), name_, ": ", images_.size(),
          " image bytes, expected ", size(), " images of ", observation_size(), " bytes");
}

// (H, W, C) bytes -> (C, H, W) floats.
void ImageTableDataset::render(size_t index, float* out_chw) const {
  require(index < size(), name_, ": index ", index, " out of range");
  const size_t pixels = height_ * width_;
  const uint8_t* image = images_.data() + index * observation_size();
  for (size_t p = 0; p < pixels; ++p)
    for (size_t c = 0; c < channels_; ++c)
      out_chw[c * pixels + p] = float(image[p * channels_ + c]) * value_scale_;
}

ImageTableDataset cache_in_memory(const GroundTruthDataset& dataset) {
  const size_t n = dataset.size(), stride = dataset.observation_size(),
               pixels = dataset.height() * dataset.width();
  const size_t channels = dataset.channels();
  std::vector<uint8_t> images(n * stride);
  parallel_for((long long)n,
               [&](long long begin, long long end, int) {
                 std::vector<float> chw(stride);  // one render buffer per chunk
                 for (long long i = begin; i < end; ++i) {
                   dataset.render(size_t(i), chw.data());
                   uint8_t* image = images.data() + size_t(i) * stride;
                   for (size_t p = 0; p < pixels; ++p)
                     for (size_t c = 0; c < channels; ++c)
                       image[p * channels + c] = uint8_t(std::lround(chw[c * pixels + p] * 255.0f));
                 }
               },
               64);
  return ImageTableDataset(dataset.name(), dataset.factor_names(), dataset.factor_sizes(),
                           dataset.categorical_factors(), dataset.height(), dataset.width(), channels,
                           std::move(images), 1.0f / 255.0f);
}

}  // namespace untangle
