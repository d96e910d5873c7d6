// Single-precision matrix multiply on the GPU through cuBLAS, with the row-major semantics of
// kernels/cpu/gemm.h:
//   C (M x N) = alpha * op(A) (M x K) * op(B) (K x N) + beta * C,  lda/ldb/ldc = row strides as stored.
// All matrix pointers are device pointers; the call is asynchronous on the default stream.
#pragma once
#include "kernels/cuda/cuda_check.h"

namespace untangle::cuda {

// A cuBLAS context, created once and reused (creating one costs far more than a small product).
class CublasHandle {
 public:
  CublasHandle();
  ~CublasHandle();
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  cublasHandle_t get() const { return handle_; }

 private:
  cublasHandle_t handle_ = nullptr;
};

void sgemm(const CublasHandle& cublas, bool transpose_a, bool transpose_b, int M, int N, int K, float alpha,
           const float* A, int lda, const float* B, int ldb, float beta, float* C, int ldc);

}  // namespace untangle::cuda
