// The hook for Zietlow et al.'s learned manipulation (shared/reference/methods.md): an additive image
// m(w), computed from the ground-truth factors w, perturbs each observation:
//   x' = x + eps * m(w),  |m(w)| <= 1,  then x' is reflected back into [0, 1] (reflect.h).
// eps = 0.1 for dSprites, 0.175 for Shapes3D in the paper. The network that computes m(w) comes with the
// Zietlow reproduction; it plugs in here by implementing ObservationManipulation.
#pragma once
#include <memory>

#include "data/dataset.h"

namespace untangle {

// Computes m(w) for one observation. Must be safe to call from several threads at once.
class ObservationManipulation {
 public:
  virtual ~ObservationManipulation() = default;
  // factors: the observation's factor indices; out: (C, H, W) values in [-1, 1].
  virtual void perturbation(const std::vector<size_t>& factors, float* out_chw) const = 0;
};

class ManipulatedDataset : public GroundTruthDataset {
 public:
  ManipulatedDataset(std::unique_ptr<GroundTruthDataset> clean, std::shared_ptr<const ObservationManipulation> manipulation,
                     float epsilon);

  std::string name() const override { return clean_->name() + "+manipulated"; }
  std::vector<std::string> factor_names() const override { return clean_->factor_names(); }
  std::vector<size_t> factor_sizes() const override { return clean_->factor_sizes(); }
  std::vector<bool> categorical_factors() const override { return clean_->categorical_factors(); }
  size_t channels() const override { return clean_->channels(); }
  size_t height() const override { return clean_->height(); }
  size_t width() const override { return clean_->width(); }
  void render(size_t index, float* out_chw) const override;

 private:
  std::unique_ptr<GroundTruthDataset> clean_;
  std::shared_ptr<const ObservationManipulation> manipulation_;
  float epsilon_;
};

}  // namespace untangle
