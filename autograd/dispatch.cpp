#include "autograd/dispatch.h"

#include "core/check.h"
#include "kernels/cuda/memory.h"

namespace untangle {

Device common_device(const char* op, std::initializer_list<const Tensor*> inputs) {
  const Tensor* first = nullptr;
  for (const Tensor* t : inputs) {
    if (!t || !t->defined()) continue;
    if (!first) first = t;
    require(t->device() == first->device(), op, ": tensors on different devices (",
            device_name(first->device()), " ", shape_string(first->shape()), " and ",
            device_name(t->device()), " ", shape_string(t->shape()), "); move them with .to(device)");
  }
  return first ? first->device() : Device::CPU;
}

void add_floats(float* target, const float* values, size_t count, Device device) {
  on_device(
      device, [&] { cuda::add_into(target, values, count); },
      [&] {
        for (size_t i = 0; i < count; ++i) target[i] += values[i];
      });
}

void scale_floats(float* data, size_t count, float factor, Device device) {
  on_device(
      device, [&] { cuda::scale(data, count, factor); },
      [&] {
        for (size_t i = 0; i < count; ++i) data[i] *= factor;
      });
}

}  // namespace untangle
