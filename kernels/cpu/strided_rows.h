// The inner loops of im2col and col2im (kernels/cpu/conv2d.cpp): between a contiguous row and a row that
// is read (or added to) every s-th element.
//
// Every layer of the reference architectures has stride 2, where the plain loops run one scalar per
// element (the compiler does not vectorise a stride-2 access); here stride 2 moves 16 elements at a time
// with two vector loads and a shuffle. They never touch an element outside [0, (count-1)*s] of the strided
// row. Inside it, scatter_add_strided also rewrites the elements between the strided ones (with their own
// value plus 0; -0.0 becomes +0.0): the row must not be written by another thread meanwhile. conv2d.cpp's
// rows are in per-thread planes.
#pragma once
#include "kernels/cpu/simd.h"

namespace untangle {

// The vector versions, for rows of at least 16 elements.
void gather_strided_long(float* out, const float* in, int count, int s);
void scatter_add_strided_long(float* out, const float* in, int count, int s);

// Short rows with stride 2 go 4 at a time, by the long version's trick at a quarter of the width: 4 outputs
// need in[0, 7), loaded as in[0, 4) and in[3, 7) (overlapping by one; neither reads past in[6]).

// out[i] = in[i * s] for i in [0, count). Short rows (the 4 x 4 and 8 x 8 layers) stay inline: a call per
// row of 4 cost more than the copy.
inline void gather_strided(float* out, const float* in, int count, int s) {
  using namespace simd;  // Quad, load, store, shuffle
  if (count >= 16) return gather_strided_long(out, in, count, s);
  int i = 0;
  if (s == 2)
    for (; i + 4 <= count; i += 4) {
      const Quad a = load<Quad>(in + 2 * i), b = load<Quad>(in + 2 * i + 3);  // in[2i + 0..3], in[2i + 3..6]
      store(out + i, shuffle<0, 2, 5, 7>(a, b));
    }
  for (; i < count; ++i) out[i] = in[i * s];
}

// out[i * s] += in[i] for i in [0, count)
inline void scatter_add_strided(float* out, const float* in, int count, int s) {
  using namespace simd;  // Quad, load, store, shuffle
  if (count >= 16) return scatter_add_strided_long(out, in, count, s);
  int i = 0;
  if (s == 2)
    for (; i + 4 <= count; i += 4) {
      float* p = out + 2 * i;
      const Quad x = load<Quad>(in + i), zero = Quad{};
      // Both loads before either store: p[3] is in both windows (odd: it gains 0 from both).
      const Quad first = load<Quad>(p), second = load<Quad>(p + 3);
      store(p, first + shuffle<0, 4, 1, 4>(x, zero));       // p[0] += x0, p[2] += x1
      store(p + 3, second + shuffle<4, 2, 4, 3>(x, zero));  // p[4] += x2, p[6] += x3
    }
  for (; i < count; ++i) out[i * s] += in[i];
}

// out[2i] = evens[i], out[2i + 1] = odds[i] for i in [0, n): the whole of col2im for a 2 x 2 kernel with
// stride 2 and no padding (every pixel in exactly one window). 4 pixel pairs per step: two loads, two
// shuffles, two stores.
inline void interleave_pairs(const float* evens, const float* odds, int n, float* out) {
  using namespace simd;  // Quad, load, store, shuffle
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const Quad a = load<Quad>(evens + i), b = load<Quad>(odds + i);
    store(out + 2 * i, shuffle<0, 4, 1, 5>(a, b));
    store(out + 2 * i + 4, shuffle<2, 6, 3, 7>(a, b));
  }
  for (; i < n; ++i) {
    out[2 * i] = evens[i];
    out[2 * i + 1] = odds[i];
  }
}

}  // namespace untangle
