// The hook for Zietlow et al.'s learned manipulation (§4.4 and appendix B.1): an additive image m(w),
// computed from the ground-truth factors w, perturbs each observation:
//   x' = x + eps * m(w),  |m(w)| <= 1,  then x' is reflected back into [0, 1] (reflect.h).
// eps = 0.1 for dSprites, 0.175 for Shapes3D in the paper. The network that computes m(w)
// (nn/manipulation_network.h) plugs in here through apps/common/learned_manipulation.h, which
// implements ObservationManipulation (data/ does not depend on nn/).
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
  // The same for a batch: one row of factor indices per observation; out: (B, C, H, W), each
  // observation `observation_size` = C*H*W values. The default calls perturbation() per row; a network
  // overrides it to run once on the whole batch.
  virtual void perturbation_batch(const std::vector<std::vector<size_t>>& factors, size_t observation_size,
                                  float* out) const;
  // Throws when this manipulation was not made for `clean` (other factor sizes or image shape).
  virtual void check_dataset(const GroundTruthDataset& clean) const { (void)clean; }
};

class ManipulatedDataset : public GroundTruthDataset {
 public:
  ManipulatedDataset(std::unique_ptr<GroundTruthDataset> clean,
                     std::shared_ptr<const ObservationManipulation> manipulation, float epsilon);

  std::string name() const override { return clean_->name() + "+manipulated"; }
  std::vector<std::string> factor_names() const override { return clean_->factor_names(); }
  std::vector<size_t> factor_sizes() const override { return clean_->factor_sizes(); }
  std::vector<bool> categorical_factors() const override { return clean_->categorical_factors(); }
  size_t channels() const override { return clean_->channels(); }
  size_t height() const override { return clean_->height(); }
  size_t width() const override { return clean_->width(); }
  void render(size_t index, float* out_chw) const override;
  void render_batch(const std::vector<size_t>& indices, float* out) const override;

 private:
  std::unique_ptr<GroundTruthDataset> clean_;
  std::shared_ptr<const ObservationManipulation> manipulation_;
  float epsilon_;
  // x <- reflect(x + eps * clamp(m, -1, 1)) over n values.
  void perturb(float* x, const float* m, size_t n) const;
};

}  // namespace untangle
