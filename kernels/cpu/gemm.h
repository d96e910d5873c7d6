// Single-precision matrix multiply on the CPU, row-major:
//   C (M x N) = alpha * op(A) (M x K) * op(B) (K x N) + beta * C
// where op(X) is X or its transpose. lda/ldb/ldc are row strides of the matrices as stored.
//
// sgemm is the fast path (packed panels, a register-tiled micro-kernel, threads over blocks of C);
// sgemm_reference is the naive triple loop it is tested against. Both accept any sizes.
#pragma once

namespace untangle {

void sgemm(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc);

// C = op(A) op(B) + row_bias[i] on every row i (C's old values are not read): a convolution's forward
// pass, its bias added as the product is stored.
void sgemm_bias(bool transpose_a, bool transpose_b, int M, int N, int K, const float* A, int lda,
                const float* B, int ldb, const float* row_bias, float* C, int ldc);

void sgemm_reference(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha, const float* A,
                     int lda, const float* B, int ldb, float beta, float* C, int ldc);

}  // namespace untangle
