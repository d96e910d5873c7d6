// A trained Zietlow et al. manipulation file (nn/manipulation_network.h) as a dataset transform: the
// bridge between nn/ (the network) and data/ (ManipulatedDataset's ObservationManipulation hook), which
// do not depend on each other. Every command that takes `--manipulation FILE` goes through here.
#pragma once
#include <string>

#include "data/registry.h"
#include "nn/manipulation_network.h"

namespace untangle {

class LearnedManipulation : public ObservationManipulation {
 public:
  explicit LearnedManipulation(LoadedManipulation loaded, std::string path);
  void perturbation(const std::vector<size_t>& factors, float* out_chw) const override;
  // One forward pass of the network for the whole batch (out: (B, C, 64, 64)).
  void perturbation_batch(const std::vector<std::vector<size_t>>& factors, size_t observation_size,
                          float* out) const override;
  // The file's factor sizes and channels must be the dataset's, and images 64x64.
  void check_dataset(const GroundTruthDataset& clean) const override;
  const ManipulationInfo& info() const { return loaded_.info; }

 private:
  LoadedManipulation loaded_;
  std::string path_;  // for error messages
};

// Loads the manipulation file at `path` into `options` (the transform and its epsilon).
void add_manipulation(DatasetOptions& options, const std::string& path);

}  // namespace untangle
