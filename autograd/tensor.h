// Tensor: float32 values with a shape of up to 4 dimensions (NCHW for images), and a gradient buffer
// that backward() fills. A Tensor is a cheap handle: copies share the same values, like a Python
// reference. Storage is on the CPU today; `device()` is where a CUDA storage will plug in.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "kernels/device.h"

namespace untangle {

using Shape = std::vector<int>;

size_t shape_numel(const Shape& shape);
std::string shape_string(const Shape& shape);  // "(64, 1, 64, 64)"

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor; defined() is false

  static Tensor zeros(const Shape& shape);
  static Tensor full(const Shape& shape, float value);
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape);
  static Tensor scalar(float value) { return full({}, value); }

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int rank() const { return int(shape().size()); }
  int dim(int axis) const;  // negative axes count from the end
  size_t numel() const;
  Device device() const;

  // A Tensor is a handle (like a shared_ptr): a const handle still reaches mutable values.
  float* data() const;
  std::vector<float> to_vector() const;
  float item() const;  // the value of a one-element tensor

  // Gradient of the loss with respect to this tensor, same shape; allocated (zeros) on first use.
  float* grad() const;
  bool has_grad() const;
  std::vector<float> grad_vector() const;
  void zero_grad() const;

  // Leaves that backward() should compute gradients for (parameters, inputs under test).
  bool requires_grad() const;
  const Tensor& set_requires_grad(bool requires) const;

  // True when both handles share one storage.
  bool same_as(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  struct Impl {
    Shape shape;
    Device device = Device::CPU;
    std::vector<float> values;
    std::vector<float> gradient;  // empty until grad() is first called
    bool requires_grad = false;
  };
  std::shared_ptr<Impl> impl_;
};

}  // namespace untangle
