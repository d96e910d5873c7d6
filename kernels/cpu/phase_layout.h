// Stride-phase planes: the rearrangement of an image that turns each tap of a strided convolution into a
// plain shifted view. A stride-s convolution reads padded pixel (oy*s + ky, ox*s + kx); splitting the padded
// image into s*s planes by the remainders of row and column (plane (py, px) holds padded pixels
// (i*s + py, j*s + px)) makes tap (c, ky, kx) read row oy + ky/s, column ox + kx/s of plane (c, ky%s, kx%s):
// a row of output pixels reads a contiguous run of its view.
//
// Used by the direct kernels (conv2d_phase.cpp), which read the views in place, and by im2col and col2im
// on long rows (conv2d.cpp), which copy each view's rows into the lowered matrix, or add them back.
#pragma once
#include <algorithm>
#include <cstddef>
#include <vector>

#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/simd.h"
#include "kernels/cpu/strided_rows.h"

namespace untangle {

// Where the phase planes of one image's C channels lie in a buffer, and where each tap's view starts.
// Plane (c, py, px) holds padded pixels (i*s + py, j*s + px) at [i][j], in rows of ceil((W + 2p) / s); what
// lies in the padding is zero when the planes are read. The view of tap (c, ky, kx) starts at row ky/s,
// column kx/s of plane (c, ky%s, kx%s), and output pixel (oy, ox) reads it at [oy][ox].
struct PhaseLayout {
  int stride, padding, channels, height, width;
  int plane_height, plane_width;  // ceil((H + 2p) / s), ceil((W + 2p) / s)
  size_t plane_size;
  // The planes and a zero tail. A flat run of the direct kernels (conv2d_phase.cpp) starting at output pixel
  // j0 < Ho*Wq (rounded up to a run, for backward data) touches view_r[j0, j0 + 2 vectors); since (kh-1)/s +
  // Ho <= plane_height and (kw-1)/s + Wo <= Wq, the last plane's views end at most (kw-1)/s + 2 vectors - 1
  // floats past the planes.
  size_t floats;
  std::vector<int> taps;  // taps[(c*kh + ky)*kw + kx]: where tap (c, ky, kx) reads for output pixel (0, 0)

  explicit PhaseLayout(const Conv2dGeometry& g)
      : stride(g.stride),
        padding(g.padding),
        channels(g.in_channels),
        height(g.in_height),
        width(g.in_width),
        plane_height((g.in_height + 2 * g.padding + g.stride - 1) / g.stride),
        plane_width((g.in_width + 2 * g.padding + g.stride - 1) / g.stride),
        plane_size(size_t(plane_height) * plane_width),
        floats(plane_size * g.in_channels * g.stride * g.stride + g.kernel_width + 2 * simd::kFloats) {
    const int s = g.stride;
    for (int c = 0; c < g.in_channels; ++c)
      for (int ky = 0; ky < g.kernel_height; ++ky)
        for (int kx = 0; kx < g.kernel_width; ++kx)
          taps.push_back(int(plane_offset(c, ky % s, kx % s) + size_t(ky / s) * plane_width + kx / s));
    for (int phase = 0; phase < s; ++phase) {
      rows_inside_.push_back(inside(phase, height));
      columns_inside_.push_back(inside(phase, width));
    }
  }

  size_t plane_offset(int c, int py, int px) const {
    return ((size_t(c) * stride + py) * stride + px) * plane_size;
  }

  // Writes one image (C planes of H x W) into the planes' interior: the same positions for every image, so
  // a buffer zeroed once keeps its zero padding.
  void load(const float* image, float* planes) const {
    for_each_run([&](size_t pixel, size_t at, int count) {
      gather_strided(planes + at, image + pixel, count, stride);
    });
  }

  // The adjoint of load: writes the planes' interior back to an image (what lies in the padding is dropped).
  void store(const float* planes, float* image) const {
    std::fill(image, image + size_t(channels) * height * width, 0.0f);
    for_each_run([&](size_t pixel, size_t at, int count) {
      scatter_add_strided(image + pixel, planes + at, count, stride);
    });
  }

 private:
  // The plane rows (or columns) of phase `phase` that lie inside an image side of `size` pixels: [first,
  // end), `first` holding image row (column) `origin`.
  struct Inside {
    int first, end, origin;
  };
  Inside inside(int phase, int size) const {
    const int first = (padding - phase + stride - 1) / stride, origin = first * stride + phase - padding;
    return {first, origin < size ? first + (size - 1 - origin) / stride + 1 : first, origin};
  }
  // Per phase, worked out once (working them out for every row took several divisions per row).
  std::vector<Inside> rows_inside_, columns_inside_;

  // Calls run(pixel, at, count) for every piece of an image row that lands in one plane row: image pixels
  // pixel, pixel + s, .., count of them, go to plane floats at, at + 1, ...
  template <class Run>
  void for_each_run(const Run& run) const {
    for (int c = 0; c < channels; ++c)
      for (int py = 0; py < stride; ++py) {
        const Inside rows = rows_inside_[py];
        for (int i = rows.first, y = rows.origin; i < rows.end; ++i, y += stride)
          for (int px = 0; px < stride; ++px) {
            const Inside columns = columns_inside_[px];
            if (columns.first < columns.end)
              run((size_t(c) * height + y) * width + columns.origin,
                  plane_offset(c, py, px) + size_t(i) * plane_width + columns.first,
                  columns.end - columns.first);
          }
      }
  }
};

}  // namespace untangle
