// The CPU kernels' vector type: a GCC vector extension as wide as the widest vectors the build targets
// (16 floats with AVX-512, 8 with AVX/AVX2, 4 otherwise), so one source serves every x86 build;
// arithmetic on it compiles to the vector instructions. Loads and stores go through memcpy: any alignment,
// no aliasing rules broken. Clang accepts the same vector extension; only the shuffle differs (below).
#pragma once
#include <cstring>

namespace untangle::simd {

#if defined(__AVX512F__)
constexpr int kFloats = 16;
#elif defined(__AVX__)
constexpr int kFloats = 8;
#else
constexpr int kFloats = 4;
#endif

typedef float Vec __attribute__((vector_size(kFloats * sizeof(float))));
// Lane indices for shuffle (0 .. kFloats-1: the first vector, kFloats .. 2kFloats-1: the second).
typedef int Mask __attribute__((vector_size(kFloats * sizeof(int))));

// 4 floats (128 bits, in every x86 build): rows too short for a Vec, 4 elements at a time.
typedef float Quad __attribute__((vector_size(4 * sizeof(float))));

// load(p) reads a Vec, load<Quad>(p) 4 floats; store writes either.
template <class V = Vec>
inline V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

template <class V>
inline void store(float* p, V v) {
  std::memcpy(p, &v, sizeof(v));
}

// x in every lane: one vbroadcastss. (x - 0 is x for every x, -0 included, so the subtraction folds away;
// `Vec{} + x` keeps an add, 0 + -0 being +0, and a lane-by-lane loop becomes lane-by-lane inserts when
// GCC's SLP vectoriser is off, as cmake/native_flags.cmake may set.)
inline Vec broadcast(float x) {
  return x - Vec{};
}

// ReLU lane by lane: v where v > 0, else +0 (NaN included), as activation.cpp's scalar ReLU (a compare and
// a masked move, or one max, as the compiler chooses).
inline Vec relu(Vec v) {
  return v > Vec{} ? v : Vec{};
}

// Lane i of the result: lane mask[i] of a, or of b when mask[i] >= kFloats. GCC turns this into one
// two-source permute (vpermt2ps with AVX-512); clang has no shuffle with a mask known only at run time,
// so it gets the plain loop (correct, slower: clang is not the default compiler here).
inline Vec shuffle(Vec a, Vec b, Mask mask) {
#if defined(__clang__)
  Vec r;
  for (int i = 0; i < kFloats; ++i) r[i] = mask[i] < kFloats ? a[mask[i]] : b[mask[i] - kFloats];
  return r;
#else
  return __builtin_shuffle(a, b, mask);
#endif
}

// Lanes i0..i3 of a (0-3) and b (4-7), the mask known at compile time: one shufps or unpck. (GCC gained
// clang's __builtin_shufflevector only in version 12; its own __builtin_shuffle is older.)
template <int i0, int i1, int i2, int i3>
inline Quad shuffle(Quad a, Quad b) {
#if defined(__clang__)
  return __builtin_shufflevector(a, b, i0, i1, i2, i3);
#else
  typedef int QuadMask __attribute__((vector_size(4 * sizeof(int))));
  return __builtin_shuffle(a, b, QuadMask{i0, i1, i2, i3});
#endif
}

// Keeps v in a register: GCC otherwise folds an operand that several FMAs share into each of them as a
// memory operand (more loads than the FMAs can hide). An empty asm that "changes" v pins it.
inline void keep_in_register(Vec& v) {
#if defined(__x86_64__) && !defined(__clang__)
  asm("" : "+x"(v));
#else
  (void)v;
#endif
}

}  // namespace untangle::simd
