// The CPU kernels' vector type: a GCC vector extension as wide as the widest vectors the build targets
// (16 floats with AVX-512, 8 with AVX2), so one source serves both; arithmetic on it compiles to the
// vector instructions. Loads and stores go through memcpy: any alignment, no aliasing rules broken.
#pragma once
#include <cstring>

namespace untangle::simd {

#if defined(__AVX512F__)
constexpr int kFloats = 16;
#else
constexpr int kFloats = 8;
#endif

typedef float Vec __attribute__((vector_size(kFloats * sizeof(float))));
// Lane indices for __builtin_shuffle (0 .. kFloats-1: the first vector, kFloats .. 2kFloats-1: the second).
typedef int Mask __attribute__((vector_size(kFloats * sizeof(int))));

inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline void store(float* p, Vec v) {
  std::memcpy(p, &v, sizeof(v));
}

}  // namespace untangle::simd
