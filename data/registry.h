// Datasets by name, so the trainer, the metrics and the `untangle data` command build them the same
// way. Names and factor orders are docs/design.md "Datasets":
//   xysquares, xysquares_grey, xysquares_single (spacing option), dsprites, shapes3d.
// A data file switches dsprites / shapes3d from the procedural renderer to the real file; noise and a
// manipulation wrap whichever dataset results.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/manipulated_dataset.h"

namespace untangle {

struct DatasetOptions {
  int spacing = 8;          // xysquares*: grid spacing in pixels, 1..8
  std::string data_file;    // dsprites / shapes3d: read this real file instead of rendering
  float noise = 0.0f;       // uniform noise in [-noise, noise] with reflection (0 = none)
  uint64_t noise_seed = 0;  // which noise each index gets
  // A learned manipulation (Zietlow et al.), added with strength manipulation_epsilon when set.
  std::shared_ptr<const ObservationManipulation> manipulation;
  float manipulation_epsilon = 0.1f;
};

std::unique_ptr<GroundTruthDataset> make_dataset(const std::string& name, const DatasetOptions& options = {});
// The names make_dataset accepts.
std::vector<std::string> dataset_names();

}  // namespace untangle
