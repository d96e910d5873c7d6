// The naive SGEMM: one dot product per output element, accumulated in double so it can serve as the
// reference the fast kernel is compared against.
#include "kernels/cpu/gemm.h"

namespace untangle {

void sgemm_reference(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha, const float* A,
                     int lda, const float* B, int ldb, float beta, float* C, int ldc) {
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < N; ++j) {
      double sum = 0.0;
      for (int k = 0; k < K; ++k) {
        float a = transpose_a ? A[k * lda + i] : A[i * lda + k];
        float b = transpose_b ? B[j * ldb + k] : B[k * ldb + j];
        sum += double(a) * double(b);
      }
      float previous = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];  // beta = 0 ignores NaN in C, as BLAS
      C[i * ldc + j] = float(alpha * sum) + previous;
    }
  }
}

}  // namespace untangle
