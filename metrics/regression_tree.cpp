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

// The best split of one node along one feature.
struct CandidateSplit {
  double proxy = -std::numeric_limits<double>::infinity();
  double threshold = 0.0;
};

// Running sums while walking one feature's sorted order for one node.
struct LeftSums {
  double count = 0, sum = 0;
  float last_value = 0;
};

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

    // One pass per feature over its sorted order finds the best split of every frontier node.
    std::vector<CandidateSplit> best(S * F);
    std::vector<LeftSums> left(S);
    for (size_t f = 0; f < F; ++f) {
      std::fill(left.begin(), left.end(), LeftSums{});
      const uint32_t* order = features.order.data() + f * N;
      const float* sorted_values = features.sorted_values.data() + f * N;
      for (size_t r = 0; r < N; ++r) {
        const uint32_t point = order[r];
        const int slot = slot_of_node[size_t(leaf_of_point[point])];
        if (slot < 0) continue;
        LeftSums& sums = left[size_t(slot)];
        const float value = sorted_values[r];
        if (sums.count > 0 && value > sums.last_value + kFeatureThreshold) {
          const NodeTotals& node = totals[size_t(frontier[size_t(slot)])];
          const double n_left = sums.count, n_right = node.count - sums.count;
          const double diff = n_right * sums.sum - n_left * (node.sum - sums.sum);
          const double proxy = diff * diff / (n_left * n_right);
          CandidateSplit& candidate = best[size_t(slot) * F + f];
          if (proxy > candidate.proxy) {
            candidate.proxy = proxy;
            candidate.threshold = double(sums.last_value) / 2.0 + double(value) / 2.0;
            if (candidate.threshold == double(value)) candidate.threshold = double(sums.last_value);
          }
        }
        sums.count += 1;
        sums.sum += targets[point];
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
        if (best[slot * F + size_t(f)].proxy > chosen_proxy) {
          chosen_proxy = best[slot * F + size_t(f)].proxy;
          chosen = f;
        }
      if (chosen < 0) continue;  // every feature constant within the node: it stays a leaf
      RegressionTreeNode& node = tree.nodes[size_t(frontier[slot])];
      node.feature = chosen;
      node.threshold = best[slot * F + size_t(chosen)].threshold;
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
