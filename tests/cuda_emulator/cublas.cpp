// The emulator's cuBLAS: SGEMM as a plain loop with cuBLAS's column-major conventions and its argument
// checks (leading dimensions at least the stored rows), queued on the handle's stream like a kernel.
#include <algorithm>

#include "cublas_v2.h"
#include "emulator.h"

struct cublasContext {
  cudaStream_t stream = nullptr;
};

cublasStatus_t cublasCreate(cublasHandle_t* handle) {
  *handle = new cublasContext;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasDestroy(cublasHandle_t handle) {
  delete handle;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSetStream(cublasHandle_t handle, cudaStream_t stream) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  handle->stream = stream;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t) {
  return handle ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED;
}
cublasStatus_t cublasSetWorkspace(cublasHandle_t handle, void* workspace, size_t bytes) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  return bytes == 0 || untangle_emulator::is_device_range(workspace, bytes) ? CUBLAS_STATUS_SUCCESS
                                                                            : CUBLAS_STATUS_INVALID_VALUE;
}
const char* cublasGetStatusString(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
  }
  return "unknown cuBLAS status";
}

cublasStatus_t cublasSgemm(cublasHandle_t handle, cublasOperation_t op_a, cublasOperation_t op_b, int m,
                           int n, int k, const float* alpha, const float* A, int lda, const float* B, int ldb,
                           const float* beta, float* C, int ldc) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  const bool ta = op_a != CUBLAS_OP_N, tb = op_b != CUBLAS_OP_N;
  // cuBLAS's rules: a leading dimension is at least the number of rows of the matrix as stored.
  if (m < 0 || n < 0 || k < 0 || lda < std::max(1, ta ? k : m) || ldb < std::max(1, tb ? n : k) ||
      ldc < std::max(1, m))
    return CUBLAS_STATUS_INVALID_VALUE;
  if (m == 0 || n == 0) return CUBLAS_STATUS_SUCCESS;
  // The operands must be device memory, and each must hold its last column: (columns - 1) * ld + rows.
  auto holds = [](const float* p, int rows, int columns, int ld) {
    return columns == 0 || rows == 0 ||
           untangle_emulator::is_device_range(p, (size_t(columns - 1) * ld + size_t(rows)) * sizeof(float));
  };
  if (!holds(A, ta ? k : m, ta ? m : k, lda) || !holds(B, tb ? n : k, tb ? k : n, ldb) ||
      !holds(C, m, n, ldc))
    return CUBLAS_STATUS_INVALID_VALUE;
  const float a_scale = *alpha, c_scale = *beta;
  const cudaError_t queued = untangle_emulator::enqueue(handle->stream, [=] {
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < m; ++i) {
        float sum = 0.0f;
        for (int l = 0; l < k; ++l) {
          const float a = ta ? A[l + size_t(i) * lda] : A[i + size_t(l) * lda];
          const float b = tb ? B[j + size_t(l) * ldb] : B[l + size_t(j) * ldb];
          sum += a * b;
        }
        float& c = C[i + size_t(j) * ldc];
        c = c_scale == 0.0f ? a_scale * sum : a_scale * sum + c_scale * c;  // beta = 0: C is not read
      }
  });
  return queued == cudaSuccess ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_EXECUTION_FAILED;
}
