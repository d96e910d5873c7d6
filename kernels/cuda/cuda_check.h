// Checking every CUDA, cuBLAS and cuFFT call, and a small RAII buffer of device memory.
//
//   UNTANGLE_CUDA_CHECK(cudaMalloc(&p, bytes), "conv2d_forward");
// throws untangle::Error("conv2d_forward: cudaMalloc(&p, bytes) failed: out of memory
// (kernels/cuda/<file>.cu:12)"). Kernel launches report bad configurations only through cudaGetLastError, so
// every launch is followed by UNTANGLE_CUDA_CHECK_LAUNCH("kernel name"). Errors inside a running kernel
// surface at the next call that synchronises (a copy back to the host, cudaDeviceSynchronize), which is
// checked the same way.
//
// Only CUDA builds may include this header (the non-CUDA build has no CUDA headers at all).
#pragma once
#ifndef UNTANGLE_HAVE_CUDA
#error "kernels/cuda/cuda_check.h is only for CUDA builds (UNTANGLE_HAVE_CUDA)"
#endif

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cufft.h>

#include <cstddef>
#include <vector>

#include "core/check.h"

namespace untangle::cuda {

// One overload per library: each has its own status type and its own way to name an error.
inline void check_status(cudaError_t status, const char* call, const char* op, const char* file, int line) {
  if (status == cudaSuccess) return;
  cudaGetLastError();  // clear a non-sticky error so the next call starts clean
  fail(op, ": ", call, " failed: ", cudaGetErrorString(status), " (", file, ":", line, ")");
}
inline void check_status(cublasStatus_t status, const char* call, const char* op, const char* file,
                         int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  fail(op, ": ", call, " failed: ", cublasGetStatusString(status), " (", file, ":", line, ")");
}
inline void check_status(cufftResult status, const char* call, const char* op, const char* file, int line) {
  // cuFFT has no function that names its errors; the codes are listed in cufft.h.
  if (status == CUFFT_SUCCESS) return;
  fail(op, ": ", call, " failed: cufftResult ", int(status), " (", file, ":", line, ")");
}

}  // namespace untangle::cuda

#define UNTANGLE_CUDA_CHECK(call, op) ::untangle::cuda::check_status((call), #call, (op), __FILE__, __LINE__)
#define UNTANGLE_CUDA_CHECK_LAUNCH(op) \
  ::untangle::cuda::check_status(cudaGetLastError(), "kernel launch", (op), __FILE__, __LINE__)

namespace untangle::cuda {

// n elements of T in device memory, freed when the buffer goes out of scope. Move-only.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t count) : count_(count) {
    if (count_ > 0)
      UNTANGLE_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), count_ * sizeof(T)), "DeviceBuffer");
  }
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { copy_from_host(host); }
  ~DeviceBuffer() {
    if (data_) cudaFree(data_);  // no throw from a destructor; a failure here leaves nothing to undo
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& other) noexcept : data_(other.data_), count_(other.count_) {
    other.data_ = nullptr;
    other.count_ = 0;
  }
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
      if (data_) cudaFree(data_);
      data_ = other.data_;
      count_ = other.count_;
      other.data_ = nullptr;
      other.count_ = 0;
    }
    return *this;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return count_; }

  // Blocking copies (cudaMemcpy waits for earlier work on the device, so results are complete).
  void copy_from_host(const std::vector<T>& host) {
    require(host.size() == count_, "DeviceBuffer: copying ", host.size(), " elements into a buffer of ",
            count_);
    if (count_ > 0)
      UNTANGLE_CUDA_CHECK(cudaMemcpy(data_, host.data(), count_ * sizeof(T), cudaMemcpyHostToDevice),
                          "DeviceBuffer");
  }
  std::vector<T> to_host() const {
    std::vector<T> host(count_);
    if (count_ > 0)
      UNTANGLE_CUDA_CHECK(cudaMemcpy(host.data(), data_, count_ * sizeof(T), cudaMemcpyDeviceToHost),
                          "DeviceBuffer");
    return host;
  }
  // Sets every byte to `byte` (0xFF gives NaN floats: tests poison outputs to see that all were written).
  void fill_bytes(int byte) {
    if (count_ > 0) UNTANGLE_CUDA_CHECK(cudaMemset(data_, byte, count_ * sizeof(T)), "DeviceBuffer");
  }

 private:
  T* data_ = nullptr;
  size_t count_ = 0;
};

}  // namespace untangle::cuda
