// The box blur of disent's augmented reconstruction loss (../shared/reference/disent.md §2): a 'same'
// zero-padded convolution of each channel with the (2r+1) x (2r+1) kernel whose entries are all
// 1/(2r+1)^2. disent computes it with an FFT at size H+2r (linear, not circular, convolution, then a
// crop); a box is separable, so here it is one running-sum pass along rows and one along columns, in
// double, which is exact up to the final rounding to float.
//
// Backward: the blur is linear, y = K x, so dL/dx = K^T dL/dy. The kernel is symmetric and the padding
// is zeros on every side, so K^T = K: the backward pass is the same blur applied to the gradient.
#include <algorithm>
#include <vector>

#include "autograd/ops.h"
#include "kernels/check.h"
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

// Blurs `planes` images of H x W floats from `in` into `out`; adds into `out` when `accumulate` (the
// backward pass adds into the input's gradient).
void blur_planes(const float* in, float* out, long long planes, int H, int W, int radius, bool accumulate) {
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

}  // namespace

Tensor box_blur(Tape& tape, const Tensor& x, int radius) {
  require(x.rank() == 4, "box_blur: expects (N, C, H, W) images, got ", shape_string(x.shape()));
  require(radius >= 0, "box_blur: radius must be >= 0, got ", radius);
  const int H = x.dim(2), W = x.dim(3);
  const long long planes = (long long)x.dim(0) * x.dim(1);
  Tensor y = Tensor::zeros(x.shape());
  blur_planes(x.data(), y.data(), planes, H, W, radius, false);
  if (tape.needs_grad({&x})) {
    tape.record("box_blur", y, [x, y, planes, H, W, radius]() mutable {
      blur_planes(y.grad(), x.grad(), planes, H, W, radius, true);  // K^T = K
    });
  }
  return y;
}

}  // namespace untangle
