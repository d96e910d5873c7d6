// The fast CPU SGEMM, organised as in Goto & van de Geijn, "Anatomy of high-performance matrix
// multiplication" (2008) and the BLIS papers:
//
//   for each KC-deep slice of K:            pack B's slice into NR-wide column panels  (stays in L2/L3)
//     for each MC-tall block of rows of A:  pack A's block into MR-tall row panels     (stays in L2)
//       for each NR panel x MR panel:       micro-kernel: an MR x NR tile of C held in registers,
//                                           updated by KC rank-1 products             (B panel in L1)
//
// Packing turns every access inside the micro-kernel into a unit-stride stream and pads ragged edges
// with zeros, so the micro-kernel has no edge cases. One exception: a shallow slice of a row-major B
// (the convolutions' short patches) is read where it lies, since its panel stays in L1 anyway and the copy
// would cost about as much as the multiply. The micro-kernel is written with GCC vector
// extensions (one vector = 16 floats with AVX-512, 8 with AVX2): MR rows x 2 vectors of accumulators
// stay in registers, with 2 loads of B and MR broadcasts of A per k.
#include "kernels/cpu/gemm.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/parallel.h"
#include "kernels/cpu/scratch.h"
#include "kernels/cpu/simd.h"

namespace untangle {

namespace {

// The register tile: MR rows x NR = 2 vectors of columns. With AVX-512 (32 vector registers) 8 x 32
// uses 16 accumulators; with AVX2 (16 registers) 6 x 16 uses 12, leaving room for B and the broadcast.
using simd::Vec;
constexpr int kVectorFloats = simd::kFloats;
constexpr int kMR = kVectorFloats == 16 ? 8 : 6;
constexpr int kNR = 2 * kVectorFloats;
constexpr int kKC = 256;  // depth of a packed slice: an MR x 256 A panel + a 256 x NR B panel stay in L1/L2
constexpr int kMC =
    120;  // rows of A packed at once (a multiple of both MRs; 120 x 256 floats = 120 KiB, in L2)
constexpr int kNC = 2048;  // columns of B packed at once

// Element (i, k) of op(A) and (k, j) of op(B).
struct MatrixView {
  const float* data;
  int stride;
  bool transposed;
  float at(int row, int col) const {
    return transposed ? data[col * stride + row] : data[row * stride + col];
  }
};

// Packs rows [row0, row0+rows) x depth [k0, k0+depth) of op(A) into MR-tall panels:
// panel p holds, for each k, the MR values of rows p*MR .. p*MR+MR-1 (zero past the last row).
void pack_a(const MatrixView& a, int row0, int rows, int k0, int depth, float* packed) {
  for (int panel = 0; panel < rows; panel += kMR) {
    int valid = std::min(kMR, rows - panel);
    for (int k = 0; k < depth; ++k) {
      for (int r = 0; r < kMR; ++r) *packed++ = r < valid ? a.at(row0 + panel + r, k0 + k) : 0.0f;
    }
  }
}

// Packs depth [k0, k0+depth) x columns [col0, col0+cols) of op(B) into NR-wide panels:
// panel p holds, for each k, the NR values of columns p*NR .. p*NR+NR-1 (zero past the last column).
void pack_b(const MatrixView& b, int k0, int depth, int col0, int cols, float* packed) {
  for (int panel = 0; panel < cols; panel += kNR) {
    int valid = std::min(kNR, cols - panel);
    if (!b.transposed && valid == kNR) {  // the common case: contiguous rows of B
      for (int k = 0; k < depth; ++k, packed += kNR)
        std::memcpy(packed, b.data + (k0 + k) * b.stride + col0 + panel, kNR * sizeof(float));
      continue;
    }
    if (b.transposed) {  // B stored as (N, K): read each stored row contiguously, write a panel column
      for (int c = 0; c < kNR; ++c) {
        if (c >= valid) {
          for (int k = 0; k < depth; ++k) packed[k * kNR + c] = 0.0f;
          continue;
        }
        const float* row = b.data + size_t(col0 + panel + c) * b.stride + k0;
        for (int k = 0; k < depth; ++k) packed[k * kNR + c] = row[k];
      }
      packed += size_t(depth) * kNR;
      continue;
    }
    for (int k = 0; k < depth; ++k) {
      for (int c = 0; c < kNR; ++c) *packed++ = c < valid ? b.at(k0 + k, col0 + panel + c) : 0.0f;
    }
  }
}

// C tile (rows x cols <= MR x NR) += alpha * A panel (depth x MR) * B panel (depth x NR). B's rows are
// `b_stride` floats apart: NR when packed, ldb when a row-major B is read where it lies. With `overwrite`
// (the first slice of K when beta is 0) C is not read, so it needs no zero fill first, and the tile starts
// from row_bias[r] instead (when given): a bias added in the same store.
void micro_kernel(int depth, const float* a, const float* b, int b_stride, float alpha, float* c, int ldc,
                  int rows, int cols, bool overwrite, const float* row_bias) {
  // Every loop over r is unrolled, so each acc[r][h] is a register of its own (a loop left rolled makes
  // GCC keep the array on the stack and load it back: a tax on every short tile).
  Vec acc[kMR][2];
#pragma GCC unroll 16
  for (int r = 0; r < kMR; ++r) acc[r][0] = acc[r][1] = Vec{};
  for (int k = 0; k < depth; ++k, a += kMR, b += b_stride) {
    Vec b0 = simd::load(b), b1 = simd::load(b + kVectorFloats);
#pragma GCC unroll 16
    for (int r = 0; r < kMR; ++r) {
      acc[r][0] += a[r] * b0;
      acc[r][1] += a[r] * b1;
    }
  }
  if (rows == kMR && cols == kNR) {
#pragma GCC unroll 16
    for (int r = 0; r < kMR; ++r) {
      float* row = c + r * ldc;
      Vec old0 = Vec{}, old1 = Vec{};
      if (!overwrite) {
        old0 = simd::load(row);
        old1 = simd::load(row + kVectorFloats);
      } else if (row_bias) {
        old0 = old1 = Vec{} + row_bias[r];
      }
      simd::store(row, old0 + alpha * acc[r][0]);
      simd::store(row + kVectorFloats, old1 + alpha * acc[r][1]);
    }
    return;
  }
  alignas(64) float tile[kMR][kNR];
#pragma GCC unroll 16
  for (int r = 0; r < kMR; ++r) {
    simd::store(tile[r], acc[r][0]);
    simd::store(tile[r] + kVectorFloats, acc[r][1]);
  }
  for (int r = 0; r < rows; ++r)
    for (int col = 0; col < cols; ++col) {
      const float old = overwrite ? (row_bias ? row_bias[r] : 0.0f) : c[r * ldc + col];
      c[r * ldc + col] = old + alpha * tile[r][col];
    }
}

void scale_c(int M, int N, float beta, float* C, int ldc) {
  if (beta == 1.0f) return;
  for (int i = 0; i < M; ++i) {
    float* row = C + size_t(i) * ldc;
    if (beta == 0.0f)
      std::fill(row, row + N, 0.0f);  // as BLAS: beta = 0 overwrites, even NaN
    else
      for (int j = 0; j < N; ++j) row[j] *= beta;
  }
}

// A slice of a row-major (not transposed) B at most this deep is read where it lies instead of packed:
// its panel (depth x NR) is then small enough to stay in L1 for every row panel of A, and the copy would
// cost about as much as the multiply (the convolutions' short patches: 1-channel layers have K = 16).
constexpr int kDirectDepth = 64;

// The single-threaded algorithm: loops over KC slices, MC row blocks, and NR x MR register tiles.
// `overwrite`: C's old values are ignored (beta = 0), so the first slice stores instead of adding, and
// starts from row_bias (when given).
void sgemm_serial(const MatrixView& a, const MatrixView& b, int M, int N, int K, float alpha, float* C,
                  int ldc, bool overwrite, const float* row_bias) {
  const int nc = std::min(kNC, ((N + kNR - 1) / kNR) * kNR);
  float* packed_b = thread_scratch(kScratchPackedB, size_t(kKC) * nc);
  float* packed_a = thread_scratch(kScratchPackedA, size_t(kMC) * kKC);
  for (int col0 = 0; col0 < N; col0 += kNC) {
    const int cols = std::min(kNC, N - col0);
    for (int k0 = 0; k0 < K; k0 += kKC) {
      const int depth = std::min(kKC, K - k0);
      // Read in place: every whole panel; only a ragged last one (fewer than NR columns) is packed.
      const bool direct = !b.transposed && depth <= kDirectDepth;
      const int whole = direct ? cols / kNR * kNR : 0;
      pack_b(b, k0, depth, col0 + whole, cols - whole, packed_b);
      for (int row0 = 0; row0 < M; row0 += kMC) {
        const int rows = std::min(kMC, M - row0);
        pack_a(a, row0, rows, k0, depth, packed_a);
        for (int j = 0; j < cols; j += kNR) {
          const bool in_place = j < whole;
          const float* b_panel =
              in_place ? b.data + size_t(k0) * b.stride + col0 + j : packed_b + size_t(j - whole) * depth;
          for (int i = 0; i < rows; i += kMR) {
            micro_kernel(depth, packed_a + size_t(i) * depth, b_panel, in_place ? b.stride : kNR, alpha,
                         C + size_t(row0 + i) * ldc + col0 + j, ldc, std::min(kMR, rows - i),
                         std::min(kNR, cols - j), overwrite && k0 == 0,
                         row_bias ? row_bias + row0 + i : nullptr);
          }
        }
      }
    }
  }
}

// sgemm and sgemm_bias: C = alpha op(A) op(B) + beta C (+ row_bias), split over the threads.
void gemm(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, const float* row_bias, float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  const bool overwrite = beta == 0.0f;  // as BLAS: beta = 0 overwrites C, even NaN
  if (K <= 0 || alpha == 0.0f) {        // no product: C = beta C (+ row_bias)
    scale_c(M, N, beta, C, ldc);
    if (row_bias)
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) C[size_t(i) * ldc + j] += row_bias[i];
    return;
  }
  if (!overwrite) scale_c(M, N, beta, C, ldc);
  const MatrixView a{A, lda, transpose_a}, b{B, ldb, transpose_b};
  const int threads = parallel_thread_count();
  if (threads == 1 || in_parallel_region() || double(M) * N * K < 4.0e6) {
    sgemm_serial(a, b, M, N, K, alpha, C, ldc, overwrite, row_bias);
    return;
  }
  // Threads take disjoint column blocks of C (each packs its own slice of B and all of A) when C is
  // wide enough, otherwise disjoint row blocks: no synchronisation inside the multiply.
  if (N >= threads * 2 * kNR) {
    const long long panels = (N + kNR - 1) / kNR;
    parallel_for(panels, [&](long long first, long long last, int) {
      const int col0 = int(first) * kNR, cols = std::min(N, int(last) * kNR) - col0;
      MatrixView b_part{transpose_b ? B + size_t(col0) * ldb : B + col0, ldb, transpose_b};
      sgemm_serial(a, b_part, M, cols, K, alpha, C + col0, ldc, overwrite, row_bias);
    });
  } else {
    const long long panels = (M + kMR - 1) / kMR;
    parallel_for(panels, [&](long long first, long long last, int) {
      const int row0 = int(first) * kMR, rows = std::min(M, int(last) * kMR) - row0;
      MatrixView a_part{transpose_a ? A + row0 : A + size_t(row0) * lda, lda, transpose_a};
      sgemm_serial(a_part, b, rows, N, K, alpha, C + size_t(row0) * ldc, ldc, overwrite,
                   row_bias ? row_bias + row0 : nullptr);
    });
  }
}

}  // namespace

void sgemm(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc) {
  gemm(transpose_a, transpose_b, M, N, K, alpha, A, lda, B, ldb, beta, nullptr, C, ldc);
}

void sgemm_bias(bool transpose_a, bool transpose_b, int M, int N, int K, const float* A, int lda,
                const float* B, int ldb, const float* row_bias, float* C, int ldc) {
  gemm(transpose_a, transpose_b, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, row_bias, C, ldc);
}

}  // namespace untangle
