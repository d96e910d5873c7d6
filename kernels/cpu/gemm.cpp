// The fast CPU SGEMM, organised as in Goto & van de Geijn, "Anatomy of high-performance matrix
// multiplication" (2008) and the BLIS papers:
//
//   for each KC-deep slice of K:            pack B's slice into NR-wide column panels  (stays in L2/L3)
//     for each MC-tall block of rows of A:  pack A's block into MR-tall row panels     (stays in L2)
//       for each NR panel x MR panel:       micro-kernel: an MR x NR tile of C held in registers,
//                                           updated by KC rank-1 products             (B panel in L1)
//
// Packing turns every access inside the micro-kernel into a unit-stride stream and pads ragged edges
// with zeros, so the micro-kernel has no edge cases. The micro-kernel is written with GCC vector
// extensions (16 floats = one AVX-512 register; the compiler splits it on narrower machines):
// 8 rows x 32 columns = 16 accumulator registers, 2 loads of B and 8 broadcasts of A per k.
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "kernels/cpu/gemm.h"

namespace untangle {

namespace {

constexpr int kMR = 8;     // rows of the register tile
constexpr int kNR = 32;    // columns of the register tile (2 vectors of 16)
constexpr int kKC = 256;   // depth of a packed slice: an 8 x 256 A panel + a 256 x 32 B panel fit in L1+L2
constexpr int kMC = 128;   // rows of A packed at once (128 x 256 floats = 128 KiB, in L2)
constexpr int kNC = 2048;  // columns of B packed at once

typedef float Vec16 __attribute__((vector_size(64)));

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<float[], AlignedFree>;

AlignedBuffer aligned_floats(size_t count) {
  size_t bytes = ((count * sizeof(float) + 63) / 64) * 64;
  return AlignedBuffer(static_cast<float*>(std::aligned_alloc(64, bytes)));
}

inline Vec16 load16(const float* p) {
  Vec16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline void store16(float* p, Vec16 v) { std::memcpy(p, &v, sizeof(v)); }

// Element (i, k) of op(A) and (k, j) of op(B).
struct MatrixView {
  const float* data;
  int stride;
  bool transposed;
  float at(int row, int col) const { return transposed ? data[col * stride + row] : data[row * stride + col]; }
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
    for (int k = 0; k < depth; ++k) {
      for (int c = 0; c < kNR; ++c) *packed++ = c < valid ? b.at(k0 + k, col0 + panel + c) : 0.0f;
    }
  }
}

// C tile (rows x cols <= MR x NR) += alpha * A panel (depth x MR) * B panel (depth x NR).
void micro_kernel(int depth, const float* a, const float* b, float alpha, float* c, int ldc, int rows, int cols) {
  Vec16 acc[kMR][2];
  for (int r = 0; r < kMR; ++r) acc[r][0] = acc[r][1] = Vec16{};
  for (int k = 0; k < depth; ++k, a += kMR, b += kNR) {
    Vec16 b0 = load16(b), b1 = load16(b + 16);
#pragma GCC unroll 8
    for (int r = 0; r < kMR; ++r) {
      acc[r][0] += a[r] * b0;
      acc[r][1] += a[r] * b1;
    }
  }
  if (rows == kMR && cols == kNR) {
    for (int r = 0; r < kMR; ++r) {
      float* row = c + r * ldc;
      store16(row, load16(row) + alpha * acc[r][0]);
      store16(row + 16, load16(row + 16) + alpha * acc[r][1]);
    }
    return;
  }
  alignas(64) float tile[kMR][kNR];
  for (int r = 0; r < kMR; ++r) {
    store16(tile[r], acc[r][0]);
    store16(tile[r] + 16, acc[r][1]);
  }
  for (int r = 0; r < rows; ++r)
    for (int col = 0; col < cols; ++col) c[r * ldc + col] += alpha * tile[r][col];
}

void scale_c(int M, int N, float beta, float* C, int ldc) {
  if (beta == 1.0f) return;
  for (int i = 0; i < M; ++i) {
    float* row = C + size_t(i) * ldc;
    if (beta == 0.0f) std::fill(row, row + N, 0.0f);  // as BLAS: beta = 0 overwrites, even NaN
    else for (int j = 0; j < N; ++j) row[j] *= beta;
  }
}

}  // namespace

void sgemm(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  scale_c(M, N, beta, C, ldc);
  if (K <= 0 || alpha == 0.0f) return;
  const MatrixView a{A, lda, transpose_a}, b{B, ldb, transpose_b};

  // Threads split the row blocks of A; inside an enclosing parallel region (e.g. convolution over a
  // batch) the call runs on the calling thread only.
  const int row_blocks = (M + kMC - 1) / kMC;
  const bool parallel = !omp_in_parallel() && omp_get_max_threads() > 1 && double(M) * N * K > 2.0e6;
  const int threads = parallel ? std::min(omp_get_max_threads(), std::max(row_blocks, 1)) : 1;
  // With few row blocks, split columns too so both cores get work: each thread packs its own B.
  if (threads > 1 && row_blocks < threads) {
    const int column_chunk = ((N + threads - 1) / threads + kNR - 1) / kNR * kNR;
#pragma omp parallel num_threads(threads)
    {
      int t = omp_get_thread_num();
      int col0 = t * column_chunk, cols = std::min(column_chunk, N - col0);
      if (cols > 0) {
        MatrixView b_part{transpose_b ? B + size_t(col0) * ldb : B + col0, ldb, transpose_b};
        sgemm(transpose_a, transpose_b, M, cols, K, alpha, A, lda, b_part.data, ldb, 1.0f, C + col0, ldc);
      }
    }
    return;
  }

  const int nc = std::min(kNC, ((N + kNR - 1) / kNR) * kNR);
  AlignedBuffer packed_b = aligned_floats(size_t(kKC) * nc);
#pragma omp parallel num_threads(threads)
  {
    AlignedBuffer packed_a = aligned_floats(size_t(kMC) * kKC);
    for (int col0 = 0; col0 < N; col0 += kNC) {
      const int cols = std::min(kNC, N - col0);
      for (int k0 = 0; k0 < K; k0 += kKC) {
        const int depth = std::min(kKC, K - k0);
#pragma omp barrier
#pragma omp single
        pack_b(b, k0, depth, col0, cols, packed_b.get());
        // (implicit barrier after single: the packed B is ready for every thread)
#pragma omp for schedule(static)
        for (int block = 0; block < row_blocks; ++block) {
          const int row0 = block * kMC, rows = std::min(kMC, M - row0);
          pack_a(a, row0, rows, k0, depth, packed_a.get());
          for (int j = 0; j < cols; j += kNR) {
            const float* b_panel = packed_b.get() + size_t(j) * depth;
            for (int i = 0; i < rows; i += kMR) {
              micro_kernel(depth, packed_a.get() + size_t(i) * depth, b_panel, alpha,
                           C + size_t(row0 + i) * ldc + col0 + j, ldc, std::min(kMR, rows - i),
                           std::min(kNR, cols - j));
            }
          }
        }
      }
    }
  }
}

}  // namespace untangle
