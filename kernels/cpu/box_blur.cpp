#include "kernels/cpu/box_blur.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace untangle {

namespace {

// out[i] = sum of in[k] for |k - i| <= radius and 0 <= k < length, read with `stride` between values.
void window_sums_1d(const double* in, double* out, int length, int stride, int radius,
                    std::vector<double>& prefix) {
  // prefix[k] = in[0] + ... + in[k-1]
  prefix.assign(size_t(length) + 1, 0.0);
  for (int k = 0; k < length; ++k) prefix[size_t(k) + 1] = prefix[size_t(k)] + in[size_t(k) * stride];
  for (int i = 0; i < length; ++i) {
    int first = std::max(i - radius, 0), last = std::min(i + radius, length - 1);
    out[size_t(i) * stride] = prefix[size_t(last) + 1] - prefix[size_t(first)];
  }
}

}  // namespace

void box_blur_planes(const float* in, float* out, long long planes, int H, int W, int radius,
                     bool accumulate) {
  const double weight = 1.0 / (double(2 * radius + 1) * double(2 * radius + 1));
  parallel_for(planes, [&](long long begin, long long end, int) {
    std::vector<double> plane(size_t(H) * W), rows(size_t(H) * W), prefix;
    for (long long p = begin; p < end; ++p) {
      const float* src = in + size_t(p) * H * W;
      float* dst = out + size_t(p) * H * W;
      for (size_t i = 0; i < plane.size(); ++i) plane[i] = src[i];
      for (int h = 0; h < H; ++h)  // along each row
        window_sums_1d(plane.data() + size_t(h) * W, rows.data() + size_t(h) * W, W, 1, radius, prefix);
      for (int w = 0; w < W; ++w)  // then along each column
        window_sums_1d(rows.data() + w, plane.data() + w, H, W, radius, prefix);
      for (size_t i = 0; i < plane.size(); ++i) {
        float v = float(plane[i] * weight);
        dst[i] = accumulate ? dst[i] + v : v;
      }
    }
  });
}

}  // namespace untangle
