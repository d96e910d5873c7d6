// The ground-truth dataset interface: a finite grid of factors of variation, one observation per grid
// point. Every dataset (XYSquares, dSprites, Shapes3D, real-file readers) implements it; samplers,
// metrics and the trainer only see this.
//
// Flat index <-> factor indices is row-major over the factor grid, last factor fastest, as the real
// dSprites/Shapes3D files order their rows (docs/design.md "Datasets").
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace untangle {

class GroundTruthDataset {
 public:
  virtual ~GroundTruthDataset() = default;

  virtual std::string name() const = 0;
  virtual std::vector<std::string> factor_names() const = 0;
  virtual std::vector<size_t> factor_sizes() const = 0;
  virtual size_t channels() const = 0;
  virtual size_t height() const = 0;
  virtual size_t width() const = 0;

  // Renders observation `index` as float values in [0, 1], CHW order, into out[channels*height*width].
  // Must be safe to call from several threads at once.
  virtual void render(size_t index, float* out_chw) const = 0;

  // Factors that name a kind rather than an amount (dSprites shape, Shapes3D shape). Temporal pair
  // sampling keeps them fixed, as the Slow-VAE reference does (docs/reference/samplers.md). Default: none.
  virtual std::vector<bool> categorical_factors() const {
    return std::vector<bool>(factor_sizes().size(), false);
  }

  size_t num_factors() const { return factor_sizes().size(); }
  size_t observation_size() const { return channels() * height() * width(); }
  size_t size() const;  // number of grid points = product of factor sizes

  std::vector<size_t> index_to_factors(size_t index) const;
  size_t factors_to_index(const std::vector<size_t>& factors) const;

  // out: (B, C, H, W) for B = indices.size(); large batches are rendered in parallel over the
  // machine's cores (small ones serially: see dataset.cpp). Virtual so a transform that works best on
  // whole batches (a learned manipulation runs a network) can override it.
  virtual void render_batch(const std::vector<size_t>& indices, float* out) const;
  // The same observation in HWC order (as the real files and image writers store pixels).
  void render_hwc(size_t index, float* out_hwc) const;
};

}  // namespace untangle
