// Timing helpers for benchmark programs: wall-clock milliseconds and the median of repeated runs
// (the machines are shared and noisy, so medians, never single runs or means).
#pragma once
#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace untangle {

inline double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct TimingSummary {
  double median_ms = 0, min_ms = 0, max_ms = 0;
};

// Runs `work` `warmup` times untimed, then `repeats` times timed.
inline TimingSummary time_repeated(const std::function<void()>& work, int warmup, int repeats) {
  for (int i = 0; i < warmup; ++i) work();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    double start = now_ms();
    work();
    times.push_back(now_ms() - start);
  }
  std::sort(times.begin(), times.end());
  size_t n = times.size();
  double median = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
  return {median, times.front(), times.back()};
}

}  // namespace untangle
