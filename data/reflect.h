// The value-range normalisation of Zietlow et al. (appendix B.1, "manipulation
// network"): x_norm = x - 2 relu(x - 1) + 2 relu(-x). It reflects a value that left [0, 1] by at most
// 1 back inside (1.05 -> 0.95, -0.05 -> 0.05) instead of clipping it, so perturbed pixels keep their
// distance from the boundary and no information piles up at exactly 0 or 1.
#pragma once
#include <algorithm>

namespace untangle {

inline float reflect_into_unit_range(float x) {
  return x - 2.0f * std::max(0.0f, x - 1.0f) + 2.0f * std::max(0.0f, -x);
}

}  // namespace untangle
