// What every op shares about devices: all of an op's tensors live on one device, its output is made there,
// and its kernels are the CPU ones or their CUDA twins (kernels/cpu/<name>.h beside kernels/cuda/<name>.h,
// same arguments). The CUDA call always sits inside `if constexpr (kCudaCompiled)` (kernels/device.h), so the
// pattern in an op reads
//
//   if constexpr (kCudaCompiled)
//     if (device == Device::CUDA) { cuda::relu_forward(...); return; }
//   relu_forward(...);                       // the CPU path
#pragma once
#include <initializer_list>

#include "autograd/tensor.h"

namespace untangle {

// The device of the defined tensors among `inputs`; an error naming the op when they differ.
Device common_device(const char* op, std::initializer_list<const Tensor*> inputs);

// target[i] += values[i] on `device`: adds a gradient computed into scratch to an accumulated one.
void add_floats(float* target, const float* values, size_t count, Device device);
// data[i] *= factor on `device`.
void scale_floats(float* data, size_t count, float factor, Device device);

}  // namespace untangle
