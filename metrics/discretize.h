// Histogram discretisation and contingency-table mutual information, the two building blocks of MIG,
// modularity and the unsupervised "discretised MI" score.
//
// Facts (disentanglement_lib utils.py, see docs/metrics.md):
// - histogram_discretizer: per latent, 20 equal-width bins = np.histogram(x, 20) edges (21 edges from
//   linspace(min, max)), label = np.digitize(x, edges[:-1]) in 1..20; the maximum falls in bin 20, a
//   value exactly on an inner edge goes to the upper bin; a constant latent gets one bin.
// - mutual information = sklearn.metrics.mutual_info_score: plug-in MI of the contingency table in
//   nats, clipped at 0; entropy H(y) = MI(y, y).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace untangle {

constexpr int kDefaultHistogramBins = 20;

// values: (N,) -> bin labels in 1..num_bins, exactly as np.digitize(values, np.histogram(values,
// bins)[1][:-1]).
std::vector<int64_t> histogram_discretize(const std::vector<double>& values,
                                          int num_bins = kDefaultHistogramBins);

// Plug-in mutual information (natural log) between two label vectors of equal length.
double mutual_information(const std::vector<int64_t>& a, const std::vector<int64_t>& b);
// Plug-in entropy (natural log) of a label vector.
double discrete_entropy(const std::vector<int64_t>& labels);

}  // namespace untangle
