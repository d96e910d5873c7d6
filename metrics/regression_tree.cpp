#include "metrics/regression_tree.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>

#include "kernels/check.h"

namespace untangle {

namespace {

constexpr double kFeatureThreshold = 1e-7;  // sklearn _splitter.pyx FEATURE_THRESHOLD

struct NodeTotals {
  double count = 0, sum = 0, sum_of_squares = 0;
  double impurity() const { return sum_of_squares / count - (sum / count) * (sum / count); }
};

// The best split of one node along one feature. The proxy diff² / (n_l·n_r) is kept as a fraction
// and compared by cross-multiplication: a division per sorted point would dominate the scan.
struct CandidateSplit {
  double numerator = -1.0, denominator = 1.0;  // -1/1: no candidate yet
  float below = 0, above = 0;                  // the sorted values the threshold falls between
  double proxy() const {
    return numerator < 0 ? -std::numeric_limits<double>::infinity() : numerator / denominator;
  }
};

// Running sums while walking one feature's sorted order for one node.
struct LeftSums {
  double count = 0, sum = 0;
  float last_value = 0;
};

// Friedman's improvement proxy of splitting `node` after the points summed in `left`, as a fraction.
inline void consider_split(const LeftSums& left, const NodeTotals& node, float value, CandidateSplit& candidate) {
  const double n_left = left.count, n_right = node.count - left.count;
  const double diff = n_right * left.sum - n_left * (node.sum - left.sum);
  const double numerator = diff * diff, denominator = n_left * n_right;
  // Branch-free update: whether a point improves the split is unpredictable.
  const bool better = numerator * candidate.denominator > candidate.numerator * denominator;
  candidate.numerator = better ? numerator : candidate.numerator;
  candidate.denominator = better ? denominator : candidate.denominator;
  candidate.below = better ? left.last_value : candidate.below;
  candidate.above = better ? value : candidate.above;
}

// The root holds every point: the same scan with its running sums in registers.
CandidateSplit scan_root(const uint32_t* order, const float* sorted_values, const double* targets, size_t N,
                         const NodeTotals& root) {
  CandidateSplit candidate;
  LeftSums left;
  for (size_t r = 0; r < N; ++r) {
    const float value = sorted_values[r];
    if (left.count > 0 && value > left.last_value + kFeatureThreshold) consider_split(left, root, value, candidate);
    left.count += 1;
    left.sum += targets[order[r]];
    left.last_value = value;
  }
  return candidate;
}

}  // namespace

PresortedFeatures presort_features(const std::vector<float>& values, size_t num_points, size_t num_features) {
  require(values.size() == num_points * num_features, "presort_features: ", values.size(), " values for ", num_points,
          " x ", num_features);
  PresortedFeatures sorted;
  sorted.num_points = num_points;
  sorted.num_features = num_features;
  sorted.values = values;
  sorted.order.resize(num_points * num_features);
  sorted.sorted_values.resize(num_points * num_features);
  for (size_t f = 0; f < num_features; ++f) {
    uint32_t* order = sorted.order.data() + f * num_points;
    std::iota(order, order + num_points, 0u);
    // Ties keep point order, so two identical columns get bit-identical running sums and tie exactly.
    std::stable_sort(order, order + num_points,
                     [&](uint32_t a, uint32_t b) { return values[a * num_features + f] < values[b * num_features + f]; });
    for (size_t r = 0; r < num_points; ++r) sorted.sorted_values[f * num_points + r] = values[order[r] * num_features + f];
  }
  return sorted;
}

int RegressionTree::leaf_of(const float* x) const {
  int node = 0;
  while (nodes[size_t(node)].feature >= 0) {
    const RegressionTreeNode& split = nodes[size_t(node)];
    node = double(x[split.feature]) <= split.threshold ? split.left : split.right;
  }
  return node;
}

void RegressionTree::add_impurity_importances(std::vector<double>& importances) const {
  for (const RegressionTreeNode& node : nodes) {
    if (node.feature < 0) continue;
    const RegressionTreeNode& left = nodes[size_t(node.left)];
    const RegressionTreeNode& right = nodes[size_t(node.right)];
    importances[size_t(node.feature)] +=
        node.num_points * node.impurity - left.num_points * left.impurity - right.num_points * right.impurity;
  }
}

RegressionTree fit_regression_tree(const PresortedFeatures& features, const std::vector<double>& targets,
                                   int max_depth, PhiloxRng& rng, std::vector<int>& leaf_of_point) {
  const size_t N = features.num_points, F = features.num_features;
  require(targets.size() == N, "fit_regression_tree: ", targets.size(), " targets for ", N, " points");
  RegressionTree tree;
  std::vector<NodeTotals> totals(1);
  for (size_t s = 0; s < N; ++s) {
    totals[0].count += 1;
    totals[0].sum += targets[s];
    totals[0].sum_of_squares += targets[s] * targets[s];
  }
  auto make_node = [&](const NodeTotals& t) {
    RegressionTreeNode node;
    node.num_points = t.count;
    node.value = t.count > 0 ? t.sum / t.count : 0.0;
    node.impurity = t.count > 0 ? t.impurity() : 0.0;
    return node;
  };
  auto splittable = [](const RegressionTreeNode& node) { return node.num_points >= 2 && node.impurity > DBL_EPSILON; };
  tree.nodes.push_back(make_node(totals[0]));
  leaf_of_point.assign(N, 0);

  std::vector<int> frontier;  // nodes of the current level that may split
  if (N > 0 && splittable(tree.nodes[0])) frontier.push_back(0);
  std::vector<int> slot_of_node;
  for (int depth = 0; depth < max_depth && !frontier.empty(); ++depth) {
    const size_t S = frontier.size();
    slot_of_node.assign(tree.nodes.size(), -1);
    for (size_t slot = 0; slot < S; ++slot) slot_of_node[size_t(frontier[slot])] = int(slot);

    // Each point's target and frontier slot side by side: the scan below touches points in a feature's
    // sorted order, i.e. at random, so one memory access per point instead of three matters.
    struct PointState {
      double target;
      int slot;  // -1: the point's node does not split on this level
    };
    std::vector<PointState> state(N);
    for (size_t s = 0; s < N; ++s) state[s] = {targets[s], slot_of_node[size_t(leaf_of_point[s])]};
    std::vector<NodeTotals> slot_totals(S);
    for (size_t slot = 0; slot < S; ++slot) slot_totals[slot] = totals[size_t(frontier[slot])];

    // One pass per feature over its sorted order finds the best split of every frontier node.
    std::vector<CandidateSplit> best(S * F);
    std::vector<LeftSums> left(S);
    for (size_t f = 0; f < F; ++f) {
      const uint32_t* order = features.order.data() + f * N;
      const float* sorted_values = features.sorted_values.data() + f * N;
      if (depth == 0) {
        best[f] = scan_root(order, sorted_values, targets.data(), N, slot_totals[0]);
        continue;
      }
      std::fill(left.begin(), left.end(), LeftSums{});
      for (size_t r = 0; r < N; ++r) {
        const PointState point = state[order[r]];
        if (point.slot < 0) continue;
        LeftSums& sums = left[size_t(point.slot)];
        const float value = sorted_values[r];
        if (sums.count > 0 && value > sums.last_value + kFeatureThreshold)
          consider_split(sums, slot_totals[size_t(point.slot)], value, best[size_t(point.slot) * F + f]);
        sums.count += 1;
        sums.sum += point.target;
        sums.last_value = value;
      }
    }

    // Pick each node's split, visiting features in a random order (sklearn's tie-breaking).
    std::vector<int> feature_order(F);
    for (size_t slot = 0; slot < S; ++slot) {
      std::iota(feature_order.begin(), feature_order.end(), 0);
      for (size_t i = F; i > 1; --i) std::swap(feature_order[i - 1], feature_order[rng.next_below(i)]);
      int chosen = -1;
      double chosen_proxy = -std::numeric_limits<double>::infinity();
      for (int f : feature_order)
        if (best[slot * F + size_t(f)].proxy() > chosen_proxy) {
          chosen_proxy = best[slot * F + size_t(f)].proxy();
          chosen = f;
        }
      if (chosen < 0) continue;  // every feature constant within the node: it stays a leaf
      RegressionTreeNode& node = tree.nodes[size_t(frontier[slot])];
      node.feature = chosen;
      // Midway between the two values, in double; sklearn falls back to the lower value if rounding
      // would put the threshold on the upper one.
      const CandidateSplit& split = best[slot * F + size_t(chosen)];
      node.threshold = double(split.below) / 2.0 + double(split.above) / 2.0;
      if (node.threshold == double(split.above)) node.threshold = double(split.below);
    }

    // Route the points of split nodes to their children and total the children.
    // Children are numbered in frontier order, left then right.
    std::vector<int> next_frontier;
    const size_t first_child = tree.nodes.size();
    size_t next_index = first_child;
    for (int node_index : frontier) {
      RegressionTreeNode& node = tree.nodes[size_t(node_index)];
      if (node.feature < 0) continue;
      node.left = int(next_index++);
      node.right = int(next_index++);
    }
    totals.resize(next_index);
    for (size_t s = 0; s < N; ++s) {
      const RegressionTreeNode& node = tree.nodes[size_t(leaf_of_point[s])];
      if (node.feature < 0 || slot_of_node[size_t(leaf_of_point[s])] < 0) continue;
      const int child = double(features.values[s * F + size_t(node.feature)]) <= node.threshold ? node.left : node.right;
      leaf_of_point[s] = child;
      NodeTotals& t = totals[size_t(child)];
      t.count += 1;
      t.sum += targets[s];
      t.sum_of_squares += targets[s] * targets[s];
    }
    for (size_t child = first_child; child < next_index; ++child) {
      tree.nodes.push_back(make_node(totals[child]));
      if (depth + 1 < max_depth && splittable(tree.nodes.back())) next_frontier.push_back(int(child));
    }
    frontier.swap(next_frontier);
  }
  return tree;
}

}  // namespace untangle
