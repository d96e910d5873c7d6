// Mean ± standard deviation over repeats, the form every reproduction table reports.
#pragma once
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace untangle {

struct MeanStd {
  size_t count = 0;  // finite values used
  double mean = NAN, std = NAN;
};

// Non-finite values (an undefined score) are left out. The std is the sample standard deviation
// (divides by n − 1), 0 for a single value.
inline MeanStd mean_and_std(const std::vector<double>& values) {
  MeanStd out;
  double sum = 0;
  for (double v : values)
    if (std::isfinite(v)) sum += v, ++out.count;
  if (out.count == 0) return out;
  out.mean = sum / double(out.count);
  double squares = 0;
  for (double v : values)
    if (std::isfinite(v)) squares += (v - out.mean) * (v - out.mean);
  out.std = out.count > 1 ? std::sqrt(squares / double(out.count - 1)) : 0.0;
  return out;
}

// "0.123 ± 0.045 (n=3)"; "—" when nothing finished.
inline std::string mean_std_text(const MeanStd& s) {
  if (s.count == 0) return "—";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.3f ± %.3f (n=%zu)", s.mean, s.std, s.count);
  return buffer;
}

// Scores grouped for a report: group (a setting's label) -> metric -> one value per run, with the groups
// kept in the order they were first added (the order a table lists them). The reproduction apps collect
// their runs' scores here instead of each keeping its own nest of maps and vectors.
class ScoreGroups {
 public:
  void add(const std::string& group, const std::string& metric, double value) {
    if (!values_.count(group)) order_.push_back(group);
    values_[group][metric].push_back(value);
  }
  // Every value added for (group, metric); empty when none.
  const std::vector<double>& values(const std::string& group, const std::string& metric) const {
    static const std::vector<double> none;
    auto g = values_.find(group);
    if (g == values_.end()) return none;
    auto m = g->second.find(metric);
    return m == g->second.end() ? none : m->second;
  }
  MeanStd summary(const std::string& group, const std::string& metric) const {
    return mean_and_std(values(group, metric));
  }
  const std::vector<std::string>& groups() const { return order_; }

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::map<std::string, std::vector<double>>> values_;
};

// An order test for "is setting B's score higher than A's?" that does not assume a distribution: the
// one-sided Mann–Whitney test in its simplest case. It counts the pairs (a, b) with b > a (ties count
// half); the exact p-value of the extreme case, every b above every a, is 1 / C(n + m, n) — the chance
// that a random order of the n + m runs puts all of B on top (3 vs 3: 1/20 = 0.05; 2 vs 2: 1/6).
struct OrderComparison {
  size_t pairs = 0;         // finite (a, b) pairs
  double pairs_higher = 0;  // pairs with b > a, ties counted half
  bool all_higher() const { return pairs > 0 && pairs_higher == double(pairs); }
  double p_if_all_higher = NAN;  // 1 / C(n + m, n)
};

inline OrderComparison compare_order(const std::vector<double>& a, const std::vector<double>& b) {
  OrderComparison out;
  size_t n = 0, m = 0;
  for (double x : a) n += std::isfinite(x) ? 1 : 0;
  for (double y : b) m += std::isfinite(y) ? 1 : 0;
  for (double x : a)
    for (double y : b) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      ++out.pairs;
      out.pairs_higher += y > x ? 1.0 : y == x ? 0.5 : 0.0;
    }
  double combinations = 1;  // C(n + m, n), built up as a product of ratios
  for (size_t i = 1; i <= n; ++i) combinations = combinations * double(m + i) / double(i);
  if (n > 0 && m > 0) out.p_if_all_higher = 1.0 / combinations;
  return out;
}

// "9/9 (p = 0.05)" when every pair is ordered, else "7/9 (overlap)"; "—" without pairs.
inline std::string order_text(const OrderComparison& c) {
  if (c.pairs == 0) return "—";
  char buffer[64];
  if (c.all_higher())
    std::snprintf(buffer, sizeof(buffer), "%zu/%zu (p = %.2g)", c.pairs, c.pairs, c.p_if_all_higher);
  else
    std::snprintf(buffer, sizeof(buffer), "%g/%zu (overlap)", c.pairs_higher, c.pairs);
  return buffer;
}

}  // namespace untangle
