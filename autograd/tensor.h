// Tensor: float32 values with a shape of up to 4 dimensions (NCHW for images), and a gradient buffer
// that backward() fills. A Tensor is a cheap handle: copies share the same values, like a Python
// reference.
//
// Values live on one device: the CPU (memory from kernels/memory/host_memory.h) or a CUDA GPU (device
// memory from kernels/cuda/memory.h). The gradient lives on the same device. Two ways to reach the values:
//   data() / grad()        host pointers: only for CPU tensors (a CUDA tensor is an error, with a hint);
//   storage() / grad_storage()   the pointer on whatever device the tensor is on: for the ops, which
//                          check device() and call the CPU kernel or its CUDA twin with it.
// to_vector(), item() and grad_vector() work on either device (a CUDA tensor is copied back).
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

  static Tensor zeros(const Shape& shape, Device device = Device::CPU);
  static Tensor full(const Shape& shape, float value, Device device = Device::CPU);
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape,
                            Device device = Device::CPU);
  static Tensor scalar(float value, Device device = Device::CPU) { return full({}, value, device); }
  // Values not yet written (an op's output that a kernel overwrites completely): skips the zero fill.
  static Tensor empty(const Shape& shape, Device device = Device::CPU);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int rank() const { return int(shape().size()); }
  int dim(int axis) const;  // negative axes count from the end
  size_t numel() const;
  Device device() const;
  bool on_cuda() const { return device() == Device::CUDA; }

  // A copy on `device` (this same handle when it is already there). The copy has no gradient history.
  Tensor to(Device device) const;
  // Moves the values (and gradient) of this tensor to `device` in place: every handle sharing it sees the
  // move. How a model's parameters go to the GPU without rebuilding the layers that hold them.
  void move_to(Device device) const;

  // A Tensor is a handle (like a shared_ptr): a const handle still reaches mutable values.
  float* data() const;     // CPU tensors only
  float* storage() const;  // the values on this tensor's device
  std::vector<float> to_vector() const;
  float item() const;  // the value of a one-element tensor
  // Overwrites every value from the host (same count): how a batch is uploaded into a fixed buffer.
  void copy_from(const std::vector<float>& values) const;

  // Gradient of the loss with respect to this tensor, same shape and device; allocated (zeros) on first use.
  float* grad() const;          // CPU tensors only
  float* grad_storage() const;  // on this tensor's device
  bool has_grad() const;
  // For a backward pass that overwrites every value of this tensor's first gradient: allocates it without
  // the zero fill and returns it. Only while has_grad() is false (later gradients must be added).
  float* grad_storage_for_overwrite() const;
  std::vector<float> grad_vector() const;
  void zero_grad() const;

  // Leaves that backward() should compute gradients for (parameters, inputs under test).
  bool requires_grad() const;
  const Tensor& set_requires_grad(bool requires) const;

  // True when both handles share one storage.
  bool same_as(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  // `count` floats on one device, not initialised: a block from the host or the CUDA allocator.
  class Buffer {
   public:
    Buffer() = default;
    Buffer(Device device, size_t count);
    ~Buffer();
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    Buffer(Buffer&& other) noexcept;
    Buffer& operator=(Buffer&& other) noexcept;
    float* get() { return device_ == Device::CPU ? host_ : cuda_; }
    bool allocated() const { return allocated_; }
    Device device() const { return device_; }
    size_t count() const { return count_; }

   private:
    void free();
    Device device_ = Device::CPU;
    size_t count_ = 0;
    bool allocated_ = false;  // false until made with a size (a zero-size tensor is still allocated)
    float* host_ = nullptr;
    float* cuda_ = nullptr;
  };

  struct Impl {
    Shape shape;
    Device device = Device::CPU;
    Buffer values;
    Buffer gradient;  // not allocated until grad() / grad_storage() is first called
    bool requires_grad = false;
  };
  std::shared_ptr<Impl> impl_;
};

// Copies `count` floats between buffers on any devices (from_device -> to_device).
void copy_floats(const float* from, Device from_device, float* to, Device to_device, size_t count);
// Sets `count` floats on `device` to `value`.
void fill_floats(float* data, Device device, size_t count, float value);

}  // namespace untangle
