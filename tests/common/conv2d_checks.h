// What the convolution kernel tests (tests/kernels/test_conv2d.cpp and test_conv2d_phase.cpp) share: random
// tensors and geometries, and the largest difference between two results.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/philox.h"

namespace untangle {

inline std::vector<float> random_vector(size_t n, PhiloxRng& rng) {
  std::vector<float> v(n);
  rng.fill_uniform(v.data(), n, -1.0f, 1.0f);
  return v;
}

inline double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, double(std::abs(a[i] - b[i])));
  return worst;
}

// A random geometry: every size drawn from 1 (0 for padding) up to the limits given, the input at least as
// large as the kernel, so odd strides, paddings and ragged edges all come up.
struct RandomConv2dLimits {
  int batch = 6, in_channels = 5, out_channels = 6, kernel = 4, stride = 3, padding = 2;
  int extra = 11;  // the input is the kernel plus 0 .. extra pixels each way
};

inline Conv2dGeometry random_conv2d_geometry(PhiloxRng& rng, const RandomConv2dLimits& limits) {
  Conv2dGeometry g;
  g.batch = 1 + int(rng.next_below(limits.batch));
  g.in_channels = 1 + int(rng.next_below(limits.in_channels));
  g.out_channels = 1 + int(rng.next_below(limits.out_channels));
  g.kernel_height = 1 + int(rng.next_below(limits.kernel));
  g.kernel_width = 1 + int(rng.next_below(limits.kernel));
  g.stride = 1 + int(rng.next_below(limits.stride));
  g.padding = int(rng.next_below(limits.padding + 1));
  g.in_height = g.kernel_height + int(rng.next_below(limits.extra + 1));
  g.in_width = g.kernel_width + int(rng.next_below(limits.extra + 1));
  return g;
}

}  // namespace untangle
