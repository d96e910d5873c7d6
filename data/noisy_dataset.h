// The noisy variant of any dataset (Zietlow et al. §5.2): every pixel gets uniform noise in
// [-eps, eps], then the reflection of reflect.h brings it back into [0, 1].
// The noise of observation i is a fixed function of (noise seed, i) — drawn from the Philox stream at
// counter i * blocks_per_observation — so a noisy dataset is a dataset: rendering index i twice, on
// any thread, gives the same image.
#pragma once
#include <cstdint>
#include <memory>

#include "data/dataset.h"

namespace untangle {

class NoisyDataset : public GroundTruthDataset {
 public:
  NoisyDataset(std::unique_ptr<GroundTruthDataset> clean, float epsilon, uint64_t noise_seed);

  std::string name() const override;  // e.g. "dsprites+noise0.05"
  std::vector<std::string> factor_names() const override { return clean_->factor_names(); }
  std::vector<size_t> factor_sizes() const override { return clean_->factor_sizes(); }
  std::vector<bool> categorical_factors() const override { return clean_->categorical_factors(); }
  size_t channels() const override { return clean_->channels(); }
  size_t height() const override { return clean_->height(); }
  size_t width() const override { return clean_->width(); }
  void render(size_t index, float* out_chw) const override;

  float epsilon() const { return epsilon_; }

 private:
  std::unique_ptr<GroundTruthDataset> clean_;
  float epsilon_;
  uint64_t noise_seed_;
};

}  // namespace untangle
