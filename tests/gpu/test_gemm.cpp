// The cuBLAS wrapper against the CPU's sgemm_reference: all four transpose cases, odd sizes, row strides
// wider than the matrices, alpha and beta. Bound 1e-4: at most K = 300 products per output in float.
#include <doctest/doctest.h>

#include "gpu_test_helpers.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cuda/gemm.h"

using namespace untangle;
using namespace untangle::testing;

TEST_CASE("cuda sgemm matches the CPU reference in every transpose case") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(711);
  const double bound = 1e-4;
  const int sizes[][3] = {{1, 1, 1}, {7, 5, 3}, {64, 10, 256}, {33, 129, 300}, {256, 64, 64}};
  for (auto& s : sizes)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        const int M = s[0], N = s[1], K = s[2];
        // Stored shapes: A is M x K (or K x M when transposed), with 3 spare columns per row.
        const int a_rows = ta ? K : M, a_cols = ta ? M : K, b_rows = tb ? N : K, b_cols = tb ? K : N;
        const int lda = a_cols + 3, ldb = b_cols + 3, ldc = N + 3;
        auto A = random_floats(size_t(a_rows) * lda, rng), B = random_floats(size_t(b_rows) * ldb, rng);
        auto C = random_floats(size_t(M) * ldc, rng);
        auto A_d = to_device(A), B_d = to_device(B), C_d = to_device(C);
        sgemm_reference(ta, tb, M, N, K, 0.7f, A.data(), lda, B.data(), ldb, 0.3f, C.data(), ldc);
        cuda::sgemm(ta, tb, M, N, K, 0.7f, A_d.data(), lda, B_d.data(), ldb, 0.3f, C_d.data(), ldc);
        char what[96];
        std::snprintf(what, sizeof what, "sgemm %dx%dx%d%s%s", M, N, K, ta ? " A^T" : "", tb ? " B^T" : "");
        CHECK(report(what, max_relative_error(C_d.to_host(), C), bound) <= bound);
      }
}
