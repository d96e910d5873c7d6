// Uniform-noise variant; see noisy_dataset.h.
#include "data/noisy_dataset.h"

#include <sstream>
#include <vector>

#include "core/check.h"
#include "data/reflect.h"
#include "kernels/cpu/philox.h"

namespace untangle {

NoisyDataset::NoisyDataset(std::unique_ptr<GroundTruthDataset> clean, float epsilon, uint64_t noise_seed)
    : clean_(std::move(clean)), epsilon_(epsilon), noise_seed_(noise_seed) {
  require(clean_ != nullptr, "noisy dataset: no dataset to add noise to");
  require(epsilon >= 0.0f && epsilon <= 1.0f,
          "--noise must be in [0, 1] (reflection handles overshoot up to 1), got ", epsilon);
}

std::string NoisyDataset::name() const {
  std::ostringstream text;
  text << clean_->name() << "+noise" << epsilon_;
  return text.str();
}

void NoisyDataset::render(size_t index, float* out_chw) const {
  clean_->render(index, out_chw);
  const size_t n = observation_size();
  const uint64_t blocks_per_observation = (n + 3) / 4;  // a fill of n numbers uses ceil(n/4) blocks
  std::vector<float> noise(n);
  PhiloxRng(noise_seed_, uint64_t(index) * blocks_per_observation)
      .fill_uniform(noise.data(), n, -epsilon_, epsilon_);
  for (size_t i = 0; i < n; ++i) out_chw[i] = reflect_into_unit_range(out_chw[i] + noise[i]);
}

}  // namespace untangle
