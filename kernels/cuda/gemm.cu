// Row-major sgemm on cuBLAS, which is column-major. A row-major matrix with row stride ld is the
// column-major matrix of its transpose with leading dimension ld, so instead of C = op(A) op(B) we ask
// cuBLAS for C^T = op(B)^T op(A)^T: swap the operands (and M with N), keep each one's transpose flag.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/gemm.h"
#include "kernels/cuda/stream.h"

namespace untangle::cuda {

cublasHandle_t cublas_handle() {
  // One context for the process: creating one costs far more than a small product. Never destroyed, for
  // the same reason as the stream (kernels/cuda/stream.cu).
  static cublasHandle_t shared = [] {
    cublasHandle_t created = nullptr;
    UNTANGLE_CUDA_CHECK(cublasCreate(&created), "cuda::cublas_handle");
    // Plain float32 arithmetic (no TF32 tensor-core rounding): results stay within float32 error of the CPU.
    UNTANGLE_CUDA_CHECK(cublasSetMathMode(created, CUBLAS_DEFAULT_MATH), "cuda::cublas_handle");
    UNTANGLE_CUDA_CHECK(cublasSetStream(created, stream()), "cuda::cublas_handle");
    // A workspace of our own: without one, cuBLAS allocates a fresh workspace for every captured CUDA
    // graph, outside our allocator. 32 MiB is what cuBLAS asks for on Hopper.
    constexpr size_t kWorkspaceBytes = size_t(32) << 20;
    void* workspace = nullptr;
    UNTANGLE_CUDA_CHECK(cudaMalloc(&workspace, kWorkspaceBytes), "cuda::cublas_handle");
    UNTANGLE_CUDA_CHECK(cublasSetWorkspace(created, workspace, kWorkspaceBytes), "cuda::cublas_handle");
    return created;
  }();
  return shared;
}

void sgemm(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha, const float* A, int lda,
           const float* B, int ldb, float beta, float* C, int ldc) {
  require(M >= 0 && N >= 0 && K >= 0, "cuda::sgemm: negative size ", M, "x", N, "x", K);
  if (M == 0 || N == 0) return;
  const cublasOperation_t op_a = transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  UNTANGLE_CUDA_CHECK(
      cublasSgemm(cublas_handle(), op_b, op_a, N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc),
      "cuda::sgemm");
}

}  // namespace untangle::cuda
