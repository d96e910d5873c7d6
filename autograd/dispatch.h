// What every op shares about devices: all of an op's tensors live on one device, its output is made there,
// and its kernels are the CPU ones or their CUDA twins (kernels/cpu/<name>.h beside kernels/cuda/<name>.h,
// same arguments). An op picks between the two with one call of on_device:
//
//   on_device(device, [&] { cuda::relu_forward(x, y, n); },   // the CUDA path
//                     [&] { relu_forward(x, y, n); });        // the CPU path
#pragma once
#include <initializer_list>

#include "autograd/tensor.h"

namespace untangle {

// The device of the defined tensors among `inputs`; an error naming the op when they differ.
Device common_device(const char* op, std::initializer_list<const Tensor*> inputs);

// Calls `on_cuda` when `device` is CUDA, `on_cpu` otherwise, and returns what it returns. In a build without
// CUDA the call of `on_cuda` sits in a discarded `if constexpr` branch (kernels/device.h): that lambda is
// never called, so the compiler never emits it, and the CUDA kernels it names need no definition.
template <typename OnCuda, typename OnCpu>
auto on_device(Device device, OnCuda&& on_cuda, OnCpu&& on_cpu) {
  if constexpr (kCudaCompiled) {
    if (device == Device::CUDA) return on_cuda();
  }
  return on_cpu();
}

// target[i] += values[i] on `device`: adds a gradient computed into scratch to an accumulated one.
void add_floats(float* target, const float* values, size_t count, Device device);
// data[i] *= factor on `device`.
void scale_floats(float* data, size_t count, float factor, Device device);

}  // namespace untangle
