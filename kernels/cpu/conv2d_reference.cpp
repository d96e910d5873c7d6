// Direct-loop convolution: the slow, obviously correct twin of kernels/cpu/conv2d.cpp.
// Each pass visits every (n, o, oy, ox, c, ky, kx) once; the input pixel it touches is
// (iy, ix) = (oy*stride - padding + ky, ox*stride - padding + kx), skipped when it falls in the padding.
#include <algorithm>

#include "kernels/cpu/conv2d.h"

namespace untangle {

namespace {
template <typename Visit>
void for_each_tap(const Conv2dGeometry& g, Visit visit) {
  const int Ho = g.out_height(), Wo = g.out_width();
  for (int n = 0; n < g.batch; ++n)
    for (int o = 0; o < g.out_channels; ++o)
      for (int oy = 0; oy < Ho; ++oy)
        for (int ox = 0; ox < Wo; ++ox)
          for (int c = 0; c < g.in_channels; ++c)
            for (int ky = 0; ky < g.kernel_height; ++ky)
              for (int kx = 0; kx < g.kernel_width; ++kx) {
                int iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx;
                if (iy < 0 || iy >= g.in_height || ix < 0 || ix >= g.in_width) continue;
                size_t x_index = ((size_t(n) * g.in_channels + c) * g.in_height + iy) * g.in_width + ix;
                size_t w_index =
                    ((size_t(o) * g.in_channels + c) * g.kernel_height + ky) * g.kernel_width + kx;
                size_t y_index = ((size_t(n) * g.out_channels + o) * Ho + oy) * Wo + ox;
                visit(x_index, w_index, y_index);
              }
}
}  // namespace

void conv2d_forward_reference(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                              float* y) {
  const size_t plane = size_t(g.out_height()) * g.out_width();
  for (int n = 0; n < g.batch; ++n)
    for (int o = 0; o < g.out_channels; ++o)
      std::fill_n(y + (size_t(n) * g.out_channels + o) * plane, plane, bias ? bias[o] : 0.0f);
  for_each_tap(g, [&](size_t xi, size_t wi, size_t yi) { y[yi] += x[xi] * w[wi]; });
}

void conv2d_backward_data_reference(const Conv2dGeometry& g, const float* dy, const float* w, float* dx) {
  std::fill_n(dx, size_t(g.batch) * g.in_channels * g.in_height * g.in_width, 0.0f);
  for_each_tap(g, [&](size_t xi, size_t wi, size_t yi) { dx[xi] += dy[yi] * w[wi]; });
}

void conv2d_backward_weight_reference(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                                      float* dbias) {
  std::fill_n(dw, size_t(g.out_channels) * g.in_channels * g.kernel_height * g.kernel_width, 0.0f);
  for_each_tap(g, [&](size_t xi, size_t wi, size_t yi) { dw[wi] += x[xi] * dy[yi]; });
  if (!dbias) return;
  const size_t plane = size_t(g.out_height()) * g.out_width();
  for (int o = 0; o < g.out_channels; ++o) {
    double sum = 0;
    for (int n = 0; n < g.batch; ++n)
      for (size_t p = 0; p < plane; ++p) sum += dy[(size_t(n) * g.out_channels + o) * plane + p];
    dbias[o] = float(sum);
  }
}

}  // namespace untangle
