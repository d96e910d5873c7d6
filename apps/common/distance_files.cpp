#include "apps/common/distance_files.h"

#include <cstdio>
#include <filesystem>

#include "apps/common/heatmap.h"
#include "apps/common/perceived_distance.h"
#include "core/file_io.h"

namespace untangle {

void write_matrix_csv(const std::string& path, const std::vector<double>& matrix, size_t n) {
  std::string text;
  char buffer[32];
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      std::snprintf(buffer, sizeof(buffer), "%.9g%c", matrix[i * n + j], j + 1 < n ? ',' : '\n');
      text += buffer;
    }
  write_file_atomically(path, text);
}

std::vector<TraversalDistances> write_distance_matrices(const GroundTruthDataset& dataset,
                                                        const std::string& loss, size_t repeats,
                                                        uint64_t seed, const std::string& directory) {
  std::filesystem::create_directories(directory);
  PhiloxRng rng(seed);
  const ObservationDistance distance =
      perceived_distance(loss, dataset.channels(), dataset.height(), dataset.width());
  std::vector<TraversalDistances> matrices = traversal_distance_matrices(dataset, distance, repeats, rng);
  const std::vector<std::string> names = dataset.factor_names();
  for (const TraversalDistances& m : matrices) {
    const std::string ground_truth = directory + "/groundtruth_" + names[m.factor];
    const std::string perceived = directory + "/distances_" + loss + "_" + names[m.factor];
    write_matrix_csv(ground_truth + ".csv", m.ground_truth, m.factor_size);
    write_matrix_csv(perceived + ".csv", m.perceived, m.factor_size);
    write_heatmap_png(ground_truth + ".png", m.ground_truth, m.factor_size, ColourMap::Blues, 0,
                      "ground truth: " + names[m.factor]);
    write_heatmap_png(perceived + ".png", m.perceived, m.factor_size, ColourMap::Purples, 0,
                      loss + " distance: " + names[m.factor]);
  }
  return matrices;
}

}  // namespace untangle
