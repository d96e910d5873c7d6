// Mean ± standard deviation over repeats, the form every reproduction table reports.
#pragma once
#include <cmath>
#include <cstdio>
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

}  // namespace untangle
