// Single-precision matrix multiply on the GPU through cuBLAS, with the row-major semantics of
// kernels/cpu/gemm.h:
//   C (M x N) = alpha * op(A) (M x K) * op(B) (K x N) + beta * C,  lda/ldb/ldc = row strides as stored.
// All matrix pointers are device pointers; the call is queued on cuda::stream() and returns at once.
// (The cuBLAS handle it runs on, cublas_handle(), is declared in kernels/cuda/stream.h.)
//
// This header needs no CUDA headers, so the autograd layer can name the call in every build (see
// kCudaCompiled in kernels/device.h).
#pragma once

namespace untangle::cuda {

void sgemm(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc);

}  // namespace untangle::cuda
