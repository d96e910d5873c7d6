#include "apps/common/learned_manipulation.h"

#include <cstring>

#include "core/check.h"

namespace untangle {

LearnedManipulation::LearnedManipulation(LoadedManipulation loaded, std::string path)
    : loaded_(std::move(loaded)), path_(std::move(path)) {}

void LearnedManipulation::perturbation(const std::vector<size_t>& factors, float* out_chw) const {
  perturbation_batch({factors}, size_t(loaded_.info.channels) * 64 * 64, out_chw);
}

void LearnedManipulation::perturbation_batch(const std::vector<std::vector<size_t>>& factors,
                                             size_t observation_size, float* out) const {
  if (factors.empty()) return;
  require(observation_size == size_t(loaded_.info.channels) * 64 * 64, path_,
          ": the manipulation renders 64x64 images with ", loaded_.info.channels, " channel(s)");
  Tape tape = Tape::evaluation();  // read-only use of the weights: safe from several threads
  const std::vector<float> m =
      loaded_.network->forward(tape, factor_values(factors, loaded_.info.factor_sizes)).to_vector();
  std::memcpy(out, m.data(), m.size() * sizeof(float));
}

void LearnedManipulation::check_dataset(const GroundTruthDataset& clean) const {
  const ManipulationInfo& info = loaded_.info;
  auto sizes_text = [](const std::vector<size_t>& sizes) {
    std::string text;
    for (size_t s : sizes) text += (text.empty() ? "" : ",") + std::to_string(s);
    return text;
  };
  require(clean.factor_sizes() == info.factor_sizes, path_, ": made for factor sizes [",
          sizes_text(info.factor_sizes), "] (", info.dataset, "), but dataset '", clean.name(), "' has [",
          sizes_text(clean.factor_sizes()), "]");
  require(clean.channels() == size_t(info.channels) && clean.height() == 64 && clean.width() == 64, path_,
          ": made for 64x64 images with ", info.channels, " channel(s), but dataset '", clean.name(),
          "' has ", clean.channels(), "x", clean.height(), "x", clean.width());
}

void add_manipulation(DatasetOptions& options, const std::string& path) {
  auto manipulation = std::make_shared<LearnedManipulation>(load_manipulation(path), path);
  options.manipulation_epsilon = manipulation->info().epsilon;
  options.manipulation = std::move(manipulation);
}

}  // namespace untangle
