// CUDA half of kernels/device.h: asks the runtime how many devices there are, treating every failure
// (no driver, a driver older than the runtime, no device) as "none".
#include <cuda_runtime.h>

#include <string>

#include "kernels/device.h"

namespace untangle {

bool cuda_compiled() {
  return true;
}

int cuda_device_count(std::string* why_none) {
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    if (why_none) *why_none = cudaGetErrorString(status);
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return 0;
  }
  if (count == 0 && why_none) *why_none = "no CUDA device found";
  return count;
}

}  // namespace untangle
