// The fast SGEMM against the naive reference on random shapes: odd sizes, all four transpose
// combinations, alpha/beta, and sizes that cross the packing block boundaries.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/gemm.h"
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
