#include "metrics/roc_auc.h"

#include <algorithm>
#include <numeric>

#include "core/check.h"

namespace untangle {

double roc_auc(const std::vector<bool>& is_positive, const std::vector<double>& scores) {
  require(is_positive.size() == scores.size(), "roc_auc: ", is_positive.size(), " labels for ", scores.size(),
          " scores");
  const size_t N = scores.size();
  std::vector<size_t> order(N);
  std::iota(order.begin(), order.end(), size_t(0));
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  double positive_rank_sum = 0, positives = 0;
  for (size_t start = 0; start < N;) {
    size_t end = start;
    while (end < N && scores[order[end]] == scores[order[start]]) ++end;
    const double average_rank = 0.5 * double(start + 1 + end);  // ranks start+1 .. end
    for (size_t r = start; r < end; ++r)
      if (is_positive[order[r]]) {
        positive_rank_sum += average_rank;
        positives += 1;
      }
    start = end;
  }
  const double negatives = double(N) - positives;
  require(positives > 0 && negatives > 0, "roc_auc: needs both positive and negative examples");
  return (positive_rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

}  // namespace untangle
