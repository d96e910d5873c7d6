#include "autograd/tensor.h"

#include <algorithm>
#include <utility>

#include "autograd/dispatch.h"
#include "core/check.h"
#include "kernels/cuda/memory.h"
#include "kernels/memory/host_memory.h"

namespace untangle {

size_t shape_numel(const Shape& shape) {
  size_t n = 1;
  for (int d : shape) n *= size_t(d);
  return n;
}

std::string shape_string(const Shape& shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + ")";
}

// ---- moving floats between devices ------------------------------------------------------------------
// Every CUDA call below sits behind on_device (autograd/dispatch.h) or, in copy_floats, behind
// `if constexpr (kCudaCompiled)` directly: a build without CUDA never references the CUDA functions, and no
// CUDA tensor can exist there (Buffer refuses to make one).

void copy_floats(const float* from, Device from_device, float* to, Device to_device, size_t count) {
  if (count == 0) return;
  if (from_device == Device::CPU && to_device == Device::CPU) {
    std::copy_n(from, count, to);
    return;
  }
  // Not a choice between twins but one of three CUDA copies, so no on_device here.
  if constexpr (kCudaCompiled) {
    const size_t bytes = count * sizeof(float);
    if (from_device == Device::CPU)
      cuda::copy_to_device(to, from, bytes);
    else if (to_device == Device::CPU)
      cuda::copy_to_host(to, from, bytes);
    else
      cuda::copy_on_device(to, from, bytes);
  }
}

void fill_floats(float* data, Device device, size_t count, float value) {
  on_device(
      device, [&] { cuda::fill(data, count, value); }, [&] { std::fill_n(data, count, value); });
}

// ---- Buffer -----------------------------------------------------------------------------------------

Tensor::Buffer::Buffer(Device device, size_t count) : device_(device), count_(count), allocated_(true) {
  require(device == Device::CPU || kCudaCompiled,
          "Tensor: this build has no CUDA backend (configure with a CUDA toolkit to use --device cuda)");
  on_device(
      device, [&] { cuda_ = static_cast<float*>(cuda::allocate(count * sizeof(float))); },
      [&] { host_ = host_allocate_floats(count); });
}

Tensor::Buffer::~Buffer() {
  free();
}

void Tensor::Buffer::free() {
  on_device(
      device_,
      [&] {
        if (cuda_) cuda::release(cuda_, count_ * sizeof(float));
      },
      [&] { host_release_floats(host_, count_); });
  cuda_ = nullptr;
  host_ = nullptr;
  count_ = 0;
  allocated_ = false;
}

Tensor::Buffer::Buffer(Buffer&& other) noexcept {
  *this = std::move(other);
}

Tensor::Buffer& Tensor::Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    free();
    device_ = other.device_;
    count_ = other.count_;
    allocated_ = other.allocated_;
    host_ = other.host_;
    cuda_ = other.cuda_;
    other.host_ = nullptr;
    other.cuda_ = nullptr;
    other.count_ = 0;
    other.allocated_ = false;
  }
  return *this;
}

// ---- Tensor -----------------------------------------------------------------------------------------

Tensor Tensor::empty(const Shape& shape, Device device) {
  require(shape.size() <= 4, "Tensor: at most 4 dimensions, got ", shape_string(shape));
  for (int d : shape) require(d >= 0, "Tensor: negative dimension in ", shape_string(shape));
  Tensor t;
  t.impl_ = std::make_shared<Impl>();
  t.impl_->shape = shape;
  t.impl_->device = device;
  t.impl_->values = Buffer(device, shape_numel(shape));
  return t;
}

Tensor Tensor::zeros(const Shape& shape, Device device) {
  return full(shape, 0.0f, device);
}

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, device);
  fill_floats(t.storage(), device, t.numel(), value);
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape, Device device) {
  require(values.size() == shape_numel(shape), "Tensor: ", values.size(), " values do not fill shape ",
          shape_string(shape));
  Tensor t = empty(shape, device);
  copy_floats(values.data(), Device::CPU, t.storage(), device, values.size());
  return t;
}

const Shape& Tensor::shape() const {
  require(defined(), "Tensor: use of an undefined tensor");
  return impl_->shape;
}

int Tensor::dim(int axis) const {
  int r = rank();
  require(axis >= -r && axis < r, "Tensor: axis ", axis, " out of range for shape ", shape_string(shape()));
  return shape()[size_t(axis < 0 ? axis + r : axis)];
}

size_t Tensor::numel() const {
  return shape_numel(shape());
}
Device Tensor::device() const {
  require(defined(), "Tensor: use of an undefined tensor");
  return impl_->device;
}

Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  Tensor copy = empty(shape(), device);
  copy_floats(storage(), this->device(), copy.storage(), device, numel());
  return copy;
}

void Tensor::move_to(Device device) const {
  if (device == this->device()) return;
  Buffer values(device, numel());
  copy_floats(storage(), impl_->device, values.get(), device, numel());
  Buffer gradient;
  if (has_grad()) {
    gradient = Buffer(device, numel());
    copy_floats(impl_->gradient.get(), impl_->device, gradient.get(), device, numel());
  }
  impl_->values = std::move(values);
  impl_->gradient = std::move(gradient);
  impl_->device = device;
}

float* Tensor::storage() const {
  require(defined(), "Tensor: use of an undefined tensor");
  return impl_->values.get();
}

float* Tensor::data() const {
  require(device() == Device::CPU, "Tensor::data: the tensor ", shape_string(shape()),
          " is on cuda; read it with to_vector() or move it with to(Device::CPU)");
  return storage();
}

std::vector<float> Tensor::to_vector() const {
  std::vector<float> values(numel());
  copy_floats(storage(), device(), values.data(), Device::CPU, values.size());
  return values;
}

float Tensor::item() const {
  require(numel() == 1, "Tensor::item: tensor of shape ", shape_string(shape()), " has ", numel(), " values");
  return to_vector()[0];
}

void Tensor::copy_from(const std::vector<float>& values) const {
  require(values.size() == numel(), "Tensor::copy_from: ", values.size(), " values for a tensor of shape ",
          shape_string(shape()));
  copy_floats(values.data(), Device::CPU, storage(), device(), values.size());
}

float* Tensor::grad_storage() const {
  if (!impl_->gradient.allocated()) {
    impl_->gradient = Buffer(impl_->device, numel());
    fill_floats(impl_->gradient.get(), impl_->device, numel(), 0.0f);
  }
  return impl_->gradient.get();
}

float* Tensor::grad_storage_for_overwrite() const {
  require(!has_grad(), "Tensor::grad_storage_for_overwrite: the gradient of ", shape_string(shape()),
          " already holds values; add to it instead");
  impl_->gradient = Buffer(impl_->device, numel());
  return impl_->gradient.get();
}

float* Tensor::grad() const {
  require(device() == Device::CPU, "Tensor::grad: the tensor ", shape_string(shape()),
          " is on cuda; read its gradient with grad_vector()");
  return grad_storage();
}

bool Tensor::has_grad() const {
  return defined() && impl_->gradient.allocated();
}

std::vector<float> Tensor::grad_vector() const {
  if (!has_grad()) return std::vector<float>(numel(), 0.0f);
  std::vector<float> values(numel());
  copy_floats(impl_->gradient.get(), device(), values.data(), Device::CPU, values.size());
  return values;
}

void Tensor::zero_grad() const {
  if (has_grad()) fill_floats(impl_->gradient.get(), device(), numel(), 0.0f);
}

bool Tensor::requires_grad() const {
  return defined() && impl_->requires_grad;
}
const Tensor& Tensor::set_requires_grad(bool requires) const {
  impl_->requires_grad = requires;
  return *this;
}

}  // namespace untangle
