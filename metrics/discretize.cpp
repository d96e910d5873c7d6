#include "metrics/discretize.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/check.h"

namespace untangle {

std::vector<int64_t> histogram_discretize(const std::vector<double>& values, int num_bins) {
  require(num_bins >= 1, "histogram_discretize: need at least one bin");
  std::vector<int64_t> labels(values.size(), 1);
  if (values.empty()) return labels;
  auto [min_it, max_it] = std::minmax_element(values.begin(), values.end());
  double first = *min_it, last = *max_it;
  // np.histogram widens a zero-width range to [x - 0.5, x + 0.5].
  if (first == last) {
    first -= 0.5;
    last += 0.5;
  }
  // np.linspace computes edge i as i * step + start and pins the last edge to stop; we do the same so
  // values on an edge land in the same bin as numpy puts them.
  const double step = (last - first) / num_bins;
  std::vector<double> inner_edges(static_cast<size_t>(num_bins));  // edges[:-1]
  for (int i = 0; i < num_bins; ++i) inner_edges[size_t(i)] = i * step + first;
  for (size_t n = 0; n < values.size(); ++n) {
    // np.digitize(right=False) returns the number of edges <= x.
    labels[n] = std::upper_bound(inner_edges.begin(), inner_edges.end(), values[n]) - inner_edges.begin();
  }
  return labels;
}

namespace {

// Relabels arbitrary int64 labels to 0..count-1 (in order of first appearance).
std::vector<size_t> dense_labels(const std::vector<int64_t>& labels, size_t& count) {
  std::unordered_map<int64_t, size_t> ids;
  std::vector<size_t> dense(labels.size());
  for (size_t n = 0; n < labels.size(); ++n) dense[n] = ids.emplace(labels[n], ids.size()).first->second;
  count = ids.size();
  return dense;
}

}  // namespace

double mutual_information(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  require(a.size() == b.size(), "mutual_information: label vectors differ in length (", a.size(), " vs ",
          b.size(), ")");
  if (a.empty()) return 0.0;
  size_t count_a = 0, count_b = 0;
  std::vector<size_t> dense_a = dense_labels(a, count_a), dense_b = dense_labels(b, count_b);
  std::vector<double> joint(count_a * count_b, 0.0), marginal_a(count_a, 0.0), marginal_b(count_b, 0.0);
  for (size_t n = 0; n < a.size(); ++n) {
    joint[dense_a[n] * count_b + dense_b[n]] += 1.0;
    marginal_a[dense_a[n]] += 1.0;
    marginal_b[dense_b[n]] += 1.0;
  }
  // MI = sum_ij (n_ij / N) log(N n_ij / (n_i n_j)) over non-empty cells.
  const double total = double(a.size());
  double mi = 0.0;
  for (size_t i = 0; i < count_a; ++i)
    for (size_t j = 0; j < count_b; ++j) {
      double n_ij = joint[i * count_b + j];
      if (n_ij > 0) mi += n_ij / total * std::log(total * n_ij / (marginal_a[i] * marginal_b[j]));
    }
  return std::max(mi, 0.0);  // sklearn clips the rounding-error negatives of independent labels
}

double discrete_entropy(const std::vector<int64_t>& labels) {
  return mutual_information(labels, labels);
}

}  // namespace untangle
