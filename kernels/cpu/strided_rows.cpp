// See strided_rows.h. With 16-float vectors (AVX-512) for stride 2: 16 outputs need the even elements of
// in[0, 31); they are loaded as two vectors, in[0, 16) and in[15, 31) (overlapping by one, so the last load
// ends at the last element needed), and one two-source shuffle picks lanes 0, 2, .., 14 of the first and
// 1, 3, .., 15 of the second.
#include "kernels/cpu/strided_rows.h"

#include <cstring>

#include "kernels/cpu/simd.h"

namespace untangle {

namespace {

using simd::load;
using simd::Mask;
using simd::store;
using simd::Vec;
constexpr int kV = simd::kFloats;

// Lane q of the result: element 2q of the 2kV - 1 values starting at the first vector.
// First half from `a` (lanes 0, 2, ..), second half from `b` = the vector starting kV - 1 later.
Mask even_lanes() {
  Mask m;
  for (int q = 0; q < kV; ++q) m[q] = q < kV / 2 ? 2 * q : kV + (2 * q - (kV - 1));
  return m;
}

// The inverse: spreads x's lanes to the even positions of 2kV - 1 values, zeros elsewhere;
// `low` gets positions [0, kV), `high` positions [kV - 1, 2kV - 1).
Mask spread_low() {
  Mask m;
  for (int q = 0; q < kV; ++q) m[q] = q % 2 == 0 ? q / 2 : kV;  // kV: lane 0 of the zero vector
  return m;
}
Mask spread_high() {
  Mask m;
  for (int q = 0; q < kV; ++q) {
    const int position = kV - 1 + q;  // in the 2kV - 1 values
    m[q] = position % 2 == 0 && position / 2 >= kV / 2 ? position / 2 : kV;
  }
  return m;
}

}  // namespace

void gather_strided_long(float* out, const float* in, int count, int s) {
  int i = 0;
  if (s == 1) {
    std::memcpy(out, in, sizeof(float) * (count > 0 ? count : 0));
    return;
  }
  if (s == 2) {
    static const Mask mask = even_lanes();
    for (; i + kV <= count; i += kV) {
      const float* p = in + 2 * i;
      store(out + i, simd::shuffle(load(p), load(p + kV - 1), mask));
    }
  }
  for (; i < count; ++i) out[i] = in[i * s];
}

void scatter_add_strided_long(float* out, const float* in, int count, int s) {
  int i = 0;
  if (s == 2) {
    static const Mask low = spread_low(), high = spread_high();
    const Vec zero = Vec{};
    for (; i + kV <= count; i += kV) {
      float* p = out + 2 * i;
      const Vec x = load(in + i);
      // Both loads before either store: the two windows share position kV - 1 (odd: it gains 0 from both).
      const Vec first = load(p), second = load(p + kV - 1);
      store(p, first + simd::shuffle(x, zero, low));
      store(p + kV - 1, second + simd::shuffle(x, zero, high));
    }
  }
  for (; i < count; ++i) out[i * s] += in[i];
}

}  // namespace untangle
