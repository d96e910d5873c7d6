// The distance-matrix files of one dataset (Michlo et al. Fig. 3, 8, 10), shared by
// `untangle distances` and the michlo_distance_matrices app. Per factor (named as the dataset names it):
//   DIR/groundtruth_<factor>.csv / .png        |i − j|, the factor-index distance ("Blues")
//   DIR/distances_<loss>_<factor>.csv / .png   the perceived distance averaged over traversals ("Purples")
// CSVs are f×f numbers without a header, one row per line.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "metrics/distance_matrices.h"

namespace untangle {

// Computes the matrices (metrics/distance_matrices.h, `repeats` random traversals per factor drawn from
// `seed`) with the perceived distance `loss` (apps/common/perceived_distance.h) and writes the files.
std::vector<TraversalDistances> write_distance_matrices(const GroundTruthDataset& dataset,
                                                        const std::string& loss, size_t repeats,
                                                        uint64_t seed, const std::string& directory);

// matrix: (n, n) -> n lines of n comma-separated numbers; written atomically.
void write_matrix_csv(const std::string& path, const std::vector<double>& matrix, size_t n);

}  // namespace untangle
