// See gemm_nt_rows.h.
#include "kernels/cpu/gemm_nt_rows.h"

#include <cstddef>
#include <cstring>

#include "core/check.h"
#include "kernels/cpu/simd.h"

namespace untangle {

namespace {

using simd::load;
using simd::Mask;
using simd::Vec;
constexpr int kV = simd::kFloats;
static_assert(kV == kGemmNtRowsAlign, "the header's alignment is the vector width");

constexpr int kBlockRows = 4, kBlockCols = 4, kBlock = kBlockRows * kBlockCols;  // 16 accumulators
static_assert(kBlock % kV == 0, "the lane sum below ends with whole vectors");

// The lane sum of 16 vectors at once. A level turns pairs of vectors that hold n accumulators of w lanes
// each into one vector of 2n accumulators of w/2 lanes: each accumulator's two halves are added, a's and
// b's results interleaved (segment 2t from a's accumulator t, 2t+1 from b's). After log2(kV) levels every
// lane holds one finished sum; `order` says which accumulator each final lane belongs to.
struct LaneSumPlan {
  static constexpr int kLevels = kV == 16 ? 4 : kV == 8 ? 3 : 2;  // log2 of the vector width
  Mask low[kLevels], high[kLevels];
  int order[kBlock];  // order[v * kV + lane] = the accumulator whose sum that lane holds

  LaneSumPlan() {
    int ids[kBlock][kV];  // which accumulator each lane of each vector belongs to, level by level
    for (int a = 0; a < kBlock; ++a)
      for (int l = 0; l < kV; ++l) ids[a][l] = a;
    int vectors = kBlock;
    for (int level = 0, w = kV; level < kLevels; ++level, w /= 2, vectors /= 2) {
      const int half = w / 2;
      for (int q = 0; q < kV; ++q) {
        const int segment = q / half, r = q % half, t = segment / 2, from_b = segment % 2;
        low[level][q] = from_b * kV + t * w + r;
        high[level][q] = from_b * kV + t * w + half + r;
      }
      int next[kBlock][kV] = {};
      for (int v = 0; v < vectors / 2; ++v)
        for (int q = 0; q < kV; ++q) {
          const int source = low[level][q];
          next[v][q] = source < kV ? ids[2 * v][source] : ids[2 * v + 1][source - kV];
        }
      std::memcpy(ids, next, sizeof(next));
    }
    for (int v = 0; v < kBlock / kV; ++v)
      for (int l = 0; l < kV; ++l) order[v * kV + l] = ids[v][l];
  }
};

const LaneSumPlan& lane_sum_plan() {
  static const LaneSumPlan plan;
  return plan;
}

// sums[i] = the sum of acc[i]'s lanes, for the 16 accumulators of a block. Always inlined: as a call of its
// own, the 16 accumulators went through memory (it was a tenth of the weight pass).
[[gnu::always_inline]] inline void sum_lanes(Vec acc[kBlock], float sums[kBlock]) {
  const LaneSumPlan& plan = lane_sum_plan();
  int vectors = kBlock;
  for (int level = 0; level < LaneSumPlan::kLevels; ++level, vectors /= 2)
    for (int v = 0; v < vectors / 2; ++v) {
      const Vec a = acc[2 * v], b = acc[2 * v + 1];
      acc[v] = simd::shuffle(a, b, plan.low[level]) + simd::shuffle(a, b, plan.high[level]);
    }
  for (int v = 0; v < kBlock / kV; ++v)
    for (int l = 0; l < kV; ++l) sums[plan.order[v * kV + l]] = acc[v][l];
}

// A vector's lanes added in lane order: the order every row sum below ends with.
float sum_in_lane_order(Vec v) {
  float sum = 0.0f;
  for (int l = 0; l < kV; ++l) sum += v[l];
  return sum;
}

// One 4 x 4 block of C from 4 rows of A and 4 rows of B, summed over all of K. With kRowSums, also adds the
// sums of the 4 rows of A to row_sums[0, 4): 4 more vector adds per step on loads already made (the
// convolution's bias gradient, the sums of dY's rows, without a pass of its own over dY).
template <bool kRowSums>
void full_block(int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool accumulate,
                float* row_sums) {
  Vec acc[kBlock], a_sum[kBlockRows];
  for (int i = 0; i < kBlock; ++i) acc[i] = Vec{};
  for (int r = 0; r < kBlockRows; ++r) a_sum[r] = Vec{};
  for (int k = 0; k < K; k += kV) {
    Vec a[kBlockRows], b[kBlockCols];
    for (int r = 0; r < kBlockRows; ++r) a[r] = load(A + size_t(r) * lda + k);
    for (int c = 0; c < kBlockCols; ++c) b[c] = load(B + size_t(c) * ldb + k);
    // Left alone, GCC folds one operand into each of its four FMAs as a memory operand: 20 loads per step
    // instead of 8, and the loads, not the FMAs, set the pace.
    for (int r = 0; r < kBlockRows; ++r) simd::keep_in_register(a[r]);
    for (int c = 0; c < kBlockCols; ++c) simd::keep_in_register(b[c]);
    for (int r = 0; r < kBlockRows; ++r)
      for (int c = 0; c < kBlockCols; ++c) acc[r * kBlockCols + c] += a[r] * b[c];
    if (kRowSums)
      for (int r = 0; r < kBlockRows; ++r) a_sum[r] += a[r];
  }
  float sums[kBlock];
  sum_lanes(acc, sums);
  for (int r = 0; r < kBlockRows; ++r)
    for (int c = 0; c < kBlockCols; ++c) {
      float& out = C[size_t(r) * ldc + c];
      out = (accumulate ? out : 0.0f) + sums[r * kBlockCols + c];
    }
  if (kRowSums)
    for (int r = 0; r < kBlockRows; ++r) row_sums[r] += sum_in_lane_order(a_sum[r]);
}

// A single dot product (the ragged edge when M or N is not a multiple of 4).
float dot(int K, const float* a, const float* b) {
  Vec acc = Vec{};
  for (int k = 0; k < K; k += kV) acc += load(a + k) * load(b + k);
  return sum_in_lane_order(acc);
}

// The sum of a row of A, in full_block's order (the rows no full block covers).
float row_sum(int K, const float* a) {
  Vec acc = Vec{};
  for (int k = 0; k < K; k += kV) acc += load(a + k);
  return sum_in_lane_order(acc);
}

}  // namespace

void sgemm_nt_rows(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                   bool accumulate, float* row_sums) {
  require(K % kV == 0 && lda % kV == 0 && ldb % kV == 0, "sgemm_nt_rows: K (", K, ") and the strides (", lda,
          ", ", ldb, ") must be multiples of ", kV);
  const int full_rows = M / kBlockRows * kBlockRows, full_cols = N / kBlockCols * kBlockCols;
  // Column blocks outside, row blocks inside: B's 4 rows stay in L1 while A's rows stream past them. The
  // first column block also sums A's rows, when asked.
  for (int j = 0; j < full_cols; j += kBlockCols)
    for (int i = 0; i < full_rows; i += kBlockRows) {
      const float* a = A + size_t(i) * lda;
      float* c = C + size_t(i) * ldc + j;
      if (row_sums && j == 0)
        full_block<true>(K, a, lda, B + size_t(j) * ldb, ldb, c, ldc, accumulate, row_sums + i);
      else
        full_block<false>(K, a, lda, B + size_t(j) * ldb, ldb, c, ldc, accumulate, nullptr);
    }
  for (int i = 0; i < M; ++i)
    for (int j = (i < full_rows ? full_cols : 0); j < N; ++j) {
      const float sum = dot(K, A + size_t(i) * lda, B + size_t(j) * ldb);
      float& out = C[size_t(i) * ldc + j];
      out = (accumulate ? out : 0.0f) + sum;
    }
  if (row_sums)
    for (int i = (full_cols > 0 ? full_rows : 0); i < M; ++i) row_sums[i] += row_sum(K, A + size_t(i) * lda);
}

}  // namespace untangle
