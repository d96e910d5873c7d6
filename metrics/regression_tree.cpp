#include "metrics/regression_tree.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/check.h"
#include "kernels/cpu/parallel.h"

namespace untangle {

namespace {

constexpr double kFeatureThreshold = 1e-7;  // sklearn _splitter.pyx FEATURE_THRESHOLD

struct NodeTotals {
  double count = 0, sum = 0, sum_of_squares = 0;
  double impurity() const { return sum_of_squares / count - (sum / count) * (sum / count); }
};

// Running sums while walking one feature's sorted order for one node.
struct LeftSums {
  double count = 0, sum = 0;
  float last_value = 0;
};

// Friedman's improvement proxy of splitting `node` after the points summed in `left`, as a fraction.
inline void consider_split(const LeftSums& left, const NodeTotals& node, float value,
                           SplitCandidate& candidate) {
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
SplitCandidate scan_root(const uint32_t* order, const float* sorted_values, const double* targets, size_t N,
                         const NodeTotals& root) {
  SplitCandidate candidate;
  LeftSums left;
  for (size_t r = 0; r < N; ++r) {
    const float value = sorted_values[r];
    if (left.count > 0 && value > left.last_value + kFeatureThreshold)
      consider_split(left, root, value, candidate);
    left.count += 1;
    left.sum += targets[order[r]];
    left.last_value = value;
  }
  return candidate;
}

// One node's points in sorted order with their targets side by side.
SplitCandidate scan_segment(const float* values, const double* targets, size_t count,
                            const NodeTotals& node) {
  SplitCandidate candidate;
  LeftSums left;
  for (size_t r = 0; r < count; ++r) {
    if (left.count > 0 && values[r] > left.last_value + kFeatureThreshold)
      consider_split(left, node, values[r], candidate);
    left.count += 1;
    left.sum += targets[r];
    left.last_value = values[r];
  }
  return candidate;
}

}  // namespace

PresortedFeatures presort_features(const std::vector<float>& values, size_t num_points, size_t num_features) {
  require(values.size() == num_points * num_features, "presort_features: ", values.size(), " values for ",
          num_points, " x ", num_features);
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
    std::stable_sort(order, order + num_points, [&](uint32_t a, uint32_t b) {
      return values[a * num_features + f] < values[b * num_features + f];
    });
    for (size_t r = 0; r < num_points; ++r)
      sorted.sorted_values[f * num_points + r] = values[order[r] * num_features + f];
  }
  return sorted;
}

std::vector<SplitCandidate> root_split_candidates(const PresortedFeatures& features,
                                                  const std::vector<double>& targets_by_point,
                                                  size_t num_targets) {
  const size_t N = features.num_points, F = features.num_features, T = num_targets;
  require(targets_by_point.size() == N * T, "root_split_candidates: ", targets_by_point.size(),
          " targets for ", N, " points x ", T);
  std::vector<double> totals(T, 0.0);  // summed in point order, exactly as fit_regression_tree does
  for (size_t n = 0; n < N; ++n)
    for (size_t t = 0; t < T; ++t) totals[t] += targets_by_point[n * T + t];
  std::vector<SplitCandidate> candidates(T * F);
  parallel_for((long long)F, [&](long long first_feature, long long end_feature, int) {
    for (long long f = first_feature; f < end_feature; ++f) {
      // Structure of arrays over targets so the per-point update vectorises across them.
      std::vector<double> left_sum(T, 0.0), numerator(T, -1.0), denominator(T, 1.0);
      std::vector<float> below(T, 0.0f), above(T, 0.0f);
      const uint32_t* order = features.order.data() + size_t(f) * N;
      const float* sorted_values = features.sorted_values.data() + size_t(f) * N;
      double count = 0;
      float last_value = 0;
      for (size_t r = 0; r < N; ++r) {
        const float value = sorted_values[r];
        if (count > 0 && value > last_value + kFeatureThreshold) {
          const double n_left = count, n_right = double(N) - count, split_denominator = n_left * n_right;
          for (size_t t = 0; t < T; ++t) {
            const double diff = n_right * left_sum[t] - n_left * (totals[t] - left_sum[t]);
            const double split_numerator = diff * diff;
            const bool better = split_numerator * denominator[t] > numerator[t] * split_denominator;
            numerator[t] = better ? split_numerator : numerator[t];
            denominator[t] = better ? split_denominator : denominator[t];
            below[t] = better ? last_value : below[t];
            above[t] = better ? value : above[t];
          }
        }
        count += 1;
        const double* row = targets_by_point.data() + size_t(order[r]) * T;
        for (size_t t = 0; t < T; ++t) left_sum[t] += row[t];
        last_value = value;
      }
      for (size_t t = 0; t < T; ++t)
        candidates[t * F + size_t(f)] = {numerator[t], denominator[t], below[t], above[t]};
    }
  });
  return candidates;
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

namespace {

void add_point(NodeTotals& totals, double target) {
  totals.count += 1;
  totals.sum += target;
  totals.sum_of_squares += target * target;
}

RegressionTreeNode make_node(const NodeTotals& t) {
  RegressionTreeNode node;
  node.num_points = t.count;
  node.value = t.count > 0 ? t.sum / t.count : 0.0;
  node.impurity = t.count > 0 ? t.impurity() : 0.0;
  return node;
}

bool splittable(const RegressionTreeNode& node) {
  return node.num_points >= 2 && node.impurity > DBL_EPSILON;
}

// One level of the tree being grown: the nodes that may split ("frontier"), each with a slot.
struct Level {
  int depth = 0;
  std::vector<int> frontier;      // node indices, by slot
  std::vector<int> slot_of_node;  // -1: the node is not on the frontier
  std::vector<NodeTotals> slot_totals;
};

Level make_level(int depth, const std::vector<int>& frontier, size_t node_count,
                 const std::vector<NodeTotals>& totals) {
  Level level;
  level.depth = depth;
  level.frontier = frontier;
  level.slot_of_node.assign(node_count, -1);
  for (size_t slot = 0; slot < frontier.size(); ++slot) {
    level.slot_of_node[size_t(frontier[slot])] = int(slot);
    level.slot_totals.push_back(totals[size_t(frontier[slot])]);
  }
  return level;
}

// The best split of every frontier node along every feature: (S, F) candidates.
// Per feature: gather each frontier node's points, in sorted order, into a contiguous segment (a counting
// sort by node over the presorted order), then scan each segment with its running sums in registers. Same
// points in the same order as sklearn's per-node sort. (Keeping per-node copies of every feature instead,
// as sklearn's splitter does, measured 30% slower here.)
std::vector<SplitCandidate> level_split_candidates(const PresortedFeatures& features,
                                                   const std::vector<double>& targets,
                                                   const std::vector<int>& leaf_of_point, const Level& level,
                                                   const SplitCandidate* root_candidates) {
  const size_t N = features.num_points, F = features.num_features, S = level.frontier.size();
  std::vector<SplitCandidate> best(S * F);
  if (level.depth == 0) {  // the root holds every point in sorted order already
    for (size_t f = 0; f < F; ++f)
      best[f] = root_candidates
                    ? root_candidates[f]
                    : scan_root(features.order.data() + f * N, features.sorted_values.data() + f * N,
                                targets.data(), N, level.slot_totals[0]);
    return best;
  }
  // Each point's target and frontier slot side by side: the gather below visits points in a feature's
  // sorted order, i.e. at random, so one memory access per point instead of three matters.
  struct PointState {
    double target;
    int slot;  // -1: the point's node does not split on this level
  };
  std::vector<PointState> state(N);
  for (size_t s = 0; s < N; ++s) state[s] = {targets[s], level.slot_of_node[size_t(leaf_of_point[s])]};
  std::vector<size_t> segment_start(S + 1, 0), cursor(S);
  for (size_t slot = 0; slot < S; ++slot)
    segment_start[slot + 1] = segment_start[slot] + size_t(level.slot_totals[slot].count);
  std::vector<float> segment_values(segment_start[S]);
  std::vector<double> segment_targets(segment_start[S]);
  for (size_t f = 0; f < F; ++f) {
    const uint32_t* order = features.order.data() + f * N;
    const float* sorted_values = features.sorted_values.data() + f * N;
    std::copy(segment_start.begin(), segment_start.end() - 1, cursor.begin());
    for (size_t r = 0; r < N; ++r) {
      const PointState point = state[order[r]];
      if (point.slot < 0) continue;
      const size_t position = cursor[size_t(point.slot)]++;
      segment_values[position] = sorted_values[r];
      segment_targets[position] = point.target;
    }
    for (size_t slot = 0; slot < S; ++slot)
      best[slot * F + f] = scan_segment(
          segment_values.data() + segment_start[slot], segment_targets.data() + segment_start[slot],
          segment_start[slot + 1] - segment_start[slot], level.slot_totals[slot]);
  }
  return best;
}

// Picks each frontier node's split from `best`, visiting features in a random order (sklearn's
// tie-breaking); a node whose every feature is constant stays a leaf.
void choose_splits(const std::vector<SplitCandidate>& best, size_t F, const Level& level, PhiloxRng& rng,
                   RegressionTree& tree) {
  std::vector<int> feature_order(F);
  for (size_t slot = 0; slot < level.frontier.size(); ++slot) {
    std::iota(feature_order.begin(), feature_order.end(), 0);
    for (size_t i = F; i > 1; --i) std::swap(feature_order[i - 1], feature_order[rng.next_below(i)]);
    int chosen = -1;
    double chosen_proxy = -std::numeric_limits<double>::infinity();
    for (int f : feature_order)
      if (best[slot * F + size_t(f)].proxy() > chosen_proxy) {
        chosen_proxy = best[slot * F + size_t(f)].proxy();
        chosen = f;
      }
    if (chosen < 0) continue;
    RegressionTreeNode& node = tree.nodes[size_t(level.frontier[slot])];
    node.feature = chosen;
    // Midway between the two values, in double; sklearn falls back to the lower value if rounding would
    // put the threshold on the upper one.
    const SplitCandidate& split = best[slot * F + size_t(chosen)];
    node.threshold = double(split.below) / 2.0 + double(split.above) / 2.0;
    if (node.threshold == double(split.above)) node.threshold = double(split.below);
  }
}

// Routes the points of split nodes to their children, totals and appends the children, and returns the
// next level's frontier. Children are numbered in frontier order, left then right.
std::vector<int> grow_children(const PresortedFeatures& features, const std::vector<double>& targets,
                               const Level& level, int max_depth, RegressionTree& tree,
                               std::vector<NodeTotals>& totals, std::vector<int>& leaf_of_point) {
  const size_t N = features.num_points, F = features.num_features;
  const size_t first_child = tree.nodes.size();
  size_t next_index = first_child;
  for (int node_index : level.frontier) {
    RegressionTreeNode& node = tree.nodes[size_t(node_index)];
    if (node.feature < 0) continue;
    node.left = int(next_index++);
    node.right = int(next_index++);
  }
  totals.resize(next_index);
  for (size_t s = 0; s < N; ++s) {
    const RegressionTreeNode& node = tree.nodes[size_t(leaf_of_point[s])];
    if (node.feature < 0 || level.slot_of_node[size_t(leaf_of_point[s])] < 0) continue;
    const int child =
        double(features.values[s * F + size_t(node.feature)]) <= node.threshold ? node.left : node.right;
    leaf_of_point[s] = child;
    add_point(totals[size_t(child)], targets[s]);
  }
  std::vector<int> next_frontier;
  for (size_t child = first_child; child < next_index; ++child) {
    tree.nodes.push_back(make_node(totals[child]));
    if (level.depth + 1 < max_depth && splittable(tree.nodes.back())) next_frontier.push_back(int(child));
  }
  return next_frontier;
}

}  // namespace

RegressionTree fit_regression_tree(const PresortedFeatures& features, const std::vector<double>& targets,
                                   int max_depth, PhiloxRng& rng, std::vector<int>& leaf_of_point,
                                   const SplitCandidate* root_candidates) {
  const size_t N = features.num_points;
  require(targets.size() == N, "fit_regression_tree: ", targets.size(), " targets for ", N, " points");
  RegressionTree tree;
  std::vector<NodeTotals> totals(1);  // per node
  for (size_t s = 0; s < N; ++s) add_point(totals[0], targets[s]);
  tree.nodes.push_back(make_node(totals[0]));
  leaf_of_point.assign(N, 0);

  std::vector<int> frontier;  // nodes of the current level that may split
  if (N > 0 && splittable(tree.nodes[0])) frontier.push_back(0);
  for (int depth = 0; depth < max_depth && !frontier.empty(); ++depth) {
    const Level level = make_level(depth, frontier, tree.nodes.size(), totals);
    const std::vector<SplitCandidate> best =
        level_split_candidates(features, targets, leaf_of_point, level, root_candidates);
    choose_splits(best, features.num_features, level, rng, tree);
    frontier = grow_children(features, targets, level, max_depth, tree, totals, leaf_of_point);
  }
  return tree;
}

}  // namespace untangle
