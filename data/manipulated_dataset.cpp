// x' = reflect(x + eps * m(w)); see manipulated_dataset.h.
#include "data/manipulated_dataset.h"

#include <algorithm>
#include <vector>

#include "data/reflect.h"
#include "kernels/check.h"

namespace untangle {

ManipulatedDataset::ManipulatedDataset(std::unique_ptr<GroundTruthDataset> clean,
                                       std::shared_ptr<const ObservationManipulation> manipulation, float epsilon)
    : clean_(std::move(clean)), manipulation_(std::move(manipulation)), epsilon_(epsilon) {
  require(clean_ != nullptr && manipulation_ != nullptr, "manipulated dataset: needs a dataset and a manipulation");
  require(epsilon >= 0.0f && epsilon <= 1.0f, "manipulation epsilon must be in [0, 1], got ", epsilon);
}

void ManipulatedDataset::render(size_t index, float* out_chw) const {
  clean_->render(index, out_chw);
  const size_t n = observation_size();
  std::vector<float> perturbation(n);
  manipulation_->perturbation(index_to_factors(index), perturbation.data());
  for (size_t i = 0; i < n; ++i) {
    // The paper bounds |m(w)| <= 1 (a tanh output); clamp so a misbehaving network cannot break [0, 1].
    float m = std::clamp(perturbation[i], -1.0f, 1.0f);
    out_chw[i] = reflect_into_unit_range(out_chw[i] + epsilon_ * m);
  }
}

}  // namespace untangle
