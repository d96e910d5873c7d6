#include "metrics/distance_matrices.h"

#include <cstdlib>

#include "core/check.h"
#include "kernels/cpu/parallel.h"

namespace untangle {

double mean_squared_error(const float* a, const float* b, size_t size) {
  double sum = 0;
  for (size_t i = 0; i < size; ++i) sum += double(a[i] - b[i]) * double(a[i] - b[i]);
  return size ? sum / double(size) : 0.0;
}

std::vector<double> ground_truth_distance_matrix(size_t factor_size) {
  std::vector<double> matrix(factor_size * factor_size);
  for (size_t i = 0; i < factor_size; ++i)
    for (size_t j = 0; j < factor_size; ++j)
      matrix[i * factor_size + j] = i > j ? double(i - j) : double(j - i);
  return matrix;
}

std::vector<TraversalDistances> traversal_distance_matrices(const GroundTruthDataset& dataset,
                                                            const ObservationDistance& distance,
                                                            size_t num_repeats, PhiloxRng& rng) {
  require(num_repeats > 0, "distance matrices: need at least one repeat");
  require(bool(distance), "distance matrices: no distance function");
  const std::vector<size_t> sizes = dataset.factor_sizes();
  const size_t observation = dataset.observation_size();
  std::vector<TraversalDistances> result;
  for (size_t f = 0; f < sizes.size(); ++f) {
    const size_t n = sizes[f];
    TraversalDistances matrices;
    matrices.factor = f;
    matrices.factor_size = n;
    matrices.ground_truth = ground_truth_distance_matrix(n);
    matrices.perceived.assign(n * n, 0.0);
    std::vector<float> images(n * observation);
    std::vector<size_t> indices(n);
    for (size_t repeat = 0; repeat < num_repeats; ++repeat) {
      std::vector<size_t> base(sizes.size());
      for (size_t k = 0; k < sizes.size(); ++k) base[k] = size_t(rng.next_below(sizes[k]));
      for (size_t value = 0; value < n; ++value) {
        base[f] = value;
        indices[value] = dataset.factors_to_index(base);
      }
      dataset.render_batch(indices, images.data());
      // Pairs i < j in parallel; each writes only its own two entries.
      parallel_for((long long)n, [&](long long begin, long long end, int) {
        for (long long i = begin; i < end; ++i)
          for (size_t j = size_t(i) + 1; j < n; ++j) {
            const double d =
                distance(&images[size_t(i) * observation], &images[j * observation], observation) /
                double(num_repeats);
            matrices.perceived[size_t(i) * n + j] += d;
            matrices.perceived[j * n + size_t(i)] += d;
          }
      });
    }
    result.push_back(std::move(matrices));
  }
  return result;
}

}  // namespace untangle
