// The fast SGEMM against the naive reference on random shapes: odd sizes, all four transpose
// combinations, alpha/beta, and sizes that cross the packing block boundaries.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_nt_rows.h"
#include "kernels/cpu/philox.h"

using namespace untangle;

namespace {
std::vector<float> random_vector(size_t n, PhiloxRng& rng) {
  std::vector<float> v(n);
  rng.fill_uniform(v.data(), n, -1.0f, 1.0f);
  return v;
}

// Max |fast - reference| relative to the scale of the products: sqrt(K) (sum of K terms of size ~1).
double gemm_error(bool ta, bool tb, int M, int N, int K, float alpha, float beta, PhiloxRng& rng) {
  int lda = ta ? M + 3 : K + 1, ldb = tb ? K + 2 : N + 5, ldc = N + 1;  // padded strides
  std::vector<float> A = random_vector(size_t(ta ? K : M) * lda, rng);
  std::vector<float> B = random_vector(size_t(tb ? N : K) * ldb, rng);
  std::vector<float> C = random_vector(size_t(M) * ldc, rng), C_ref = C;
  sgemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  sgemm_reference(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C_ref.data(), ldc);
  double worst = 0;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j)
      worst = std::max(worst, double(std::abs(C[i * ldc + j] - C_ref[i * ldc + j])));
  return worst / std::sqrt(double(std::max(K, 1)));
}
}  // namespace

TEST_CASE("sgemm matches the reference on random odd shapes and every transpose") {
  PhiloxRng rng(11);
  for (int trial = 0; trial < 40; ++trial) {
    int M = 1 + int(rng.next_below(150)), N = 1 + int(rng.next_below(150)), K = 1 + int(rng.next_below(300));
    bool ta = trial & 1, tb = trial & 2;
    float alpha = trial % 5 == 0 ? -0.5f : 1.0f, beta = trial % 3 == 0 ? 0.0f : 0.75f;
    CAPTURE(M);
    CAPTURE(N);
    CAPTURE(K);
    CAPTURE(ta);
    CAPTURE(tb);
    // float32 accumulation of K terms: error per unit scale ~ 1e-7 * sqrt(K); 1e-5 leaves a wide margin.
    CHECK(gemm_error(ta, tb, M, N, K, alpha, beta, rng) < 1e-5);
  }
}

TEST_CASE("sgemm crosses block boundaries (M > MC, K > KC, N > NC) and runs threaded") {
  PhiloxRng rng(12);
  CHECK(gemm_error(false, false, 300, 2100, 600, 1.0f, 0.0f, rng) < 1e-5);
  CHECK(gemm_error(true, true, 257, 65, 513, 1.0f, 1.0f, rng) < 1e-5);
  CHECK(gemm_error(false, true, 64, 1024, 256, 1.0f, 0.0f, rng) < 1e-5);  // few row blocks: column split
}

TEST_CASE("sgemm with beta = 0 overwrites NaN in C, as BLAS does") {
  std::vector<float> A = {1, 2, 3, 4}, B = {1, 0, 0, 1}, C(4, std::nanf(""));
  sgemm(false, false, 2, 2, 2, 1.0f, A.data(), 2, B.data(), 2, 0.0f, C.data(), 2);
  CHECK(C == std::vector<float>{1, 2, 3, 4});
}

TEST_CASE(
    "sgemm_nt_rows (C += A B^T over long rows) matches the reference, edges, accumulation and row sums too") {
  PhiloxRng rng(12);
  const int align = kGemmNtRowsAlign;
  for (int trial = 0; trial < 40; ++trial) {
    // M and N cross the 4 x 4 blocks' edges; K is any multiple of the vector width, up to 1,024 + 2.
    const int M = 1 + int(rng.next_below(13)), N = 1 + int(rng.next_below(13));
    const int K = align * (1 + int(rng.next_below(64 + 2)));
    const int lda = K + align * int(rng.next_below(2)), ldb = K + align, ldc = N + 3;
    const bool accumulate = trial % 3 == 0;
    std::vector<float> A = random_vector(size_t(M) * lda, rng), B = random_vector(size_t(N) * ldb, rng);
    std::vector<float> C = random_vector(size_t(M) * ldc, rng), C_ref = C;
    // Every other trial also sums A's rows (added to what row_sums held).
    const bool sum_rows = trial % 2 == 1;
    std::vector<float> row_sums = random_vector(M, rng), row_sums_ref = row_sums;
    sgemm_nt_rows(M, N, K, A.data(), lda, B.data(), ldb, C.data(), ldc, accumulate,
                  sum_rows ? row_sums.data() : nullptr);
    for (int i = 0; i < M && sum_rows; ++i) {
      double sum = row_sums_ref[i];
      for (int k = 0; k < K; ++k) sum += A[size_t(i) * lda + k];
      CHECK(std::abs(row_sums[i] - sum) < 2e-6 * std::sqrt(double(K)) + 1e-6);
    }
    if (!sum_rows) CHECK(row_sums == row_sums_ref);
    sgemm_reference(false, true, M, N, K, 1.0f, A.data(), lda, B.data(), ldb, accumulate ? 1.0f : 0.0f,
                    C_ref.data(), ldc);
    double worst = 0;
    for (int i = 0; i < M; ++i) {
      for (int j = 0; j < N; ++j)
        worst = std::max(worst, double(std::abs(C[i * ldc + j] - C_ref[i * ldc + j])));
      for (int j = N; j < ldc; ++j) CHECK(C[i * ldc + j] == C_ref[i * ldc + j]);  // padding untouched
    }
    INFO("M=", M, " N=", N, " K=", K, " accumulate=", accumulate);
    CHECK(worst / std::sqrt(double(K)) < 2e-6);
  }
  // A K that is not a multiple of the vector width is refused, not read past.
  std::vector<float> a(64, 1.0f), c(1);
  CHECK_THROWS(sgemm_nt_rows(1, 1, align + 1, a.data(), 2 * align, a.data(), 2 * align, c.data(), 1, false));
}

TEST_CASE("sgemm_nt_rows gives the same bits on every run") {
  PhiloxRng rng(13);
  const int M = 9, N = 7, K = kGemmNtRowsAlign * 40;
  std::vector<float> A = random_vector(size_t(M) * K, rng), B = random_vector(size_t(N) * K, rng);
  std::vector<float> first(size_t(M) * N), again(size_t(M) * N);
  sgemm_nt_rows(M, N, K, A.data(), K, B.data(), K, first.data(), N, false);
  sgemm_nt_rows(M, N, K, A.data(), K, B.data(), K, again.data(), N, false);
  CHECK(first == again);
}

TEST_CASE("sgemm_bias adds a bias per row of C as it stores the product, ignoring C's old values") {
  PhiloxRng rng(14);
  for (int trial = 0; trial < 24; ++trial) {
    // Shapes with K both under and over the depth that reads B in place, ragged edges, and sizes big
    // enough to run threaded.
    const int M = 1 + int(rng.next_below(70)), N = 1 + int(rng.next_below(300)),
              K = 1 + int(rng.next_below(300));
    const bool ta = trial & 1, tb = trial & 2;
    const int lda = ta ? M + 1 : K + 2, ldb = tb ? K + 3 : N + 4, ldc = N + 2;
    std::vector<float> A = random_vector(size_t(ta ? K : M) * lda, rng);
    std::vector<float> B = random_vector(size_t(tb ? N : K) * ldb, rng);
    std::vector<float> bias = random_vector(size_t(M), rng);
    std::vector<float> C(size_t(M) * ldc, std::nanf("")), C_ref(size_t(M) * ldc, std::nanf(""));
    sgemm_bias(ta, tb, M, N, K, A.data(), lda, B.data(), ldb, bias.data(), C.data(), ldc);
    sgemm_reference(ta, tb, M, N, K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C_ref.data(), ldc);
    double worst = 0;
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j)
        worst = std::max(worst, double(std::abs(C[i * ldc + j] - (C_ref[i * ldc + j] + bias[i]))));
    INFO("M=", M, " N=", N, " K=", K, " ta=", ta, " tb=", tb);
    CHECK(worst / std::sqrt(double(K)) < 1e-5);  // NaN in C would show here
  }
}

TEST_CASE(
    "sgemm and sgemm_bias on the threaded splits: rows with a bias, and wide columns with B read in place") {
  PhiloxRng rng(15);
  // (M, N, K): a narrow C split by rows (bias offsets per thread); a wide C split by columns with a
  // shallow B read in place and more than one NC block of columns; beta 0 over NaN in C.
  const int shapes[][3] = {{200, 100, 300}, {64, 4133, 16}, {37, 2100, 40}};
  for (auto& shape : shapes) {
    const int M = shape[0], N = shape[1], K = shape[2];
    CAPTURE(M);
    CAPTURE(N);
    std::vector<float> A = random_vector(size_t(M) * K, rng), B = random_vector(size_t(K) * N, rng);
    std::vector<float> bias = random_vector(size_t(M), rng);
    std::vector<float> C(size_t(M) * N, std::nanf("")), C_bias(C), C_ref(size_t(M) * N);
    sgemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C.data(), N);
    sgemm_bias(false, false, M, N, K, A.data(), K, B.data(), N, bias.data(), C_bias.data(), N);
    sgemm_reference(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C_ref.data(), N);
    double worst = 0, worst_bias = 0;
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        const size_t at = size_t(i) * N + j;
        worst = std::max(worst, double(std::abs(C[at] - C_ref[at])));
        worst_bias = std::max(worst_bias, double(std::abs(C_bias[at] - (C_ref[at] + bias[i]))));
      }
    CHECK(worst / std::sqrt(double(K)) < 1e-5);  // NaN left anywhere would fail here
    CHECK(worst_bias / std::sqrt(double(K)) < 1e-5);
  }
}
