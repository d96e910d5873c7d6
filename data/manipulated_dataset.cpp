// x' = reflect(x + eps * m(w)); see manipulated_dataset.h.
#include "data/manipulated_dataset.h"

#include <algorithm>
#include <vector>

#include "core/check.h"
#include "data/reflect.h"

namespace untangle {

ManipulatedDataset::ManipulatedDataset(std::unique_ptr<GroundTruthDataset> clean,
                                       std::shared_ptr<const ObservationManipulation> manipulation,
                                       float epsilon)
    : clean_(std::move(clean)), manipulation_(std::move(manipulation)), epsilon_(epsilon) {
  require(clean_ != nullptr && manipulation_ != nullptr,
          "manipulated dataset: needs a dataset and a manipulation");
  require(epsilon >= 0.0f && epsilon <= 1.0f, "manipulation epsilon must be in [0, 1], got ", epsilon);
  manipulation_->check_dataset(*clean_);
}

void ObservationManipulation::perturbation_batch(const std::vector<std::vector<size_t>>& factors,
                                                 size_t observation_size, float* out) const {
  for (size_t i = 0; i < factors.size(); ++i) perturbation(factors[i], out + i * observation_size);
}

void ManipulatedDataset::perturb(float* x, const float* m, size_t n) const {
  for (size_t i = 0; i < n; ++i) {
    // The paper bounds |m(w)| <= 1 (a tanh output); clamp so a misbehaving network cannot break [0, 1].
    x[i] = reflect_into_unit_range(x[i] + epsilon_ * std::clamp(m[i], -1.0f, 1.0f));
  }
}

void ManipulatedDataset::render(size_t index, float* out_chw) const {
  clean_->render(index, out_chw);
  std::vector<float> perturbation(observation_size());
  manipulation_->perturbation(index_to_factors(index), perturbation.data());
  perturb(out_chw, perturbation.data(), perturbation.size());
}

void ManipulatedDataset::render_batch(const std::vector<size_t>& indices, float* out) const {
  clean_->render_batch(indices, out);
  std::vector<std::vector<size_t>> factors;
  factors.reserve(indices.size());
  for (size_t index : indices) factors.push_back(index_to_factors(index));
  std::vector<float> perturbations(indices.size() * observation_size());
  manipulation_->perturbation_batch(factors, observation_size(), perturbations.data());
  perturb(out, perturbations.data(), perturbations.size());
}

}  // namespace untangle
