#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/stream.h"

namespace untangle::cuda {

cudaStream_t stream() {
  // Never destroyed: the runtime releases it at process exit, and destroying it from a static destructor
  // could run after the runtime has already shut down.
  static cudaStream_t shared = [] {
    cudaStream_t created = nullptr;
    UNTANGLE_CUDA_CHECK(cudaStreamCreate(&created), "cuda::stream");
    return created;
  }();
  return shared;
}

}  // namespace untangle::cuda
