// The one CUDA stream every untangle kernel, copy, cuBLAS call and cuFFT transform is queued on.
//
// Why not the default (legacy) stream: work on the legacy stream cannot be captured into a CUDA graph,
// and the steady-state training step is replayed as one graph (nn/graphed_step.h). One stream keeps
// every operation in program order, so a buffer freed on the host can be handed to the next allocation
// at once: any kernel still reading it was queued earlier and finishes first.
//
// The stream is created with default flags ("blocking"), so it also waits for, and is waited for by,
// anything a test or benchmark queues on the legacy stream (cudaMemcpy in DeviceBuffer, cuDNN).
#pragma once
#ifndef UNTANGLE_HAVE_CUDA
#error "kernels/cuda/stream.h is only for CUDA builds (UNTANGLE_HAVE_CUDA)"
#endif
#include <cublas_v2.h>
#include <cuda_runtime.h>

namespace untangle::cuda {

// Created on first use (which needs a device; the error names the call when there is none).
cudaStream_t stream();

// The shared cuBLAS handle, bound to stream() (defined in gemm.cu). Exposed for benchmarks that call cuBLAS
// directly; library code goes through cuda::sgemm.
cublasHandle_t cublas_handle();

}  // namespace untangle::cuda
