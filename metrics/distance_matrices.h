// Ground-truth and perceived distance matrices over factor traversals: Michlo et al.'s evidence that
// VAEs disentangle because the *data's* pairwise distances (what a reconstruction loss perceives) happen
// to follow the ground-truth factors. Construction (disent's research plots, docs/reproductions/michlo.md;
// plot_dataset_traversal_dists.py):
// - for each factor f, num_repeats times: a random base factor vector; traverse f over all its values
//   0..N_f − 1 with the other factors fixed; render the N_f observations as [0, 1] floats (no
//   standardisation);
// - for every pair i < j: perceived distance = a loss between the two observations (MSE with the mean
//   over C·H·W in the paper), ground-truth distance = |i − j| (L1 of the factor-index difference);
//   both entries of the symmetric matrix are set, the diagonal is 0;
// - average the matrices over the repeats (the ground-truth one is the same every time).
// The paper uses 256 repeats.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "data/dataset.h"
#include "kernels/cpu/philox.h"

namespace untangle {

// A loss between two observations a, b of `size` floats each (e.g. CHW images).
using ObservationDistance = std::function<double(const float* a, const float* b, size_t size)>;

// Mean over all values of (a − b)²: the paper's perceived distance.
double mean_squared_error(const float* a, const float* b, size_t size);

// (size, size) matrix with entry |i − j|.
std::vector<double> ground_truth_distance_matrix(size_t factor_size);

struct TraversalDistances {
  size_t factor = 0, factor_size = 0;
  std::vector<double> ground_truth;  // (factor_size, factor_size)
  std::vector<double> perceived;     // (factor_size, factor_size), averaged over repeats
};

// One entry per factor of the dataset. `distance` may be called from several threads at once.
std::vector<TraversalDistances> traversal_distance_matrices(const GroundTruthDataset& dataset,
                                                            const ObservationDistance& distance,
                                                            size_t num_repeats, PhiloxRng& rng);

}  // namespace untangle
