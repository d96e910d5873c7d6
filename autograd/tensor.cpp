#include "autograd/tensor.h"

#include <algorithm>

#include "kernels/check.h"

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

Tensor Tensor::zeros(const Shape& shape) { return full(shape, 0.0f); }

Tensor Tensor::full(const Shape& shape, float value) {
  require(shape.size() <= 4, "Tensor: at most 4 dimensions, got ", shape_string(shape));
  for (int d : shape) require(d >= 0, "Tensor: negative dimension in ", shape_string(shape));
  Tensor t;
  t.impl_ = std::make_shared<Impl>();
  t.impl_->shape = shape;
  t.impl_->values.assign(shape_numel(shape), value);
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape) {
  require(values.size() == shape_numel(shape), "Tensor: ", values.size(), " values do not fill shape ",
          shape_string(shape));
  Tensor t = zeros(shape);
  std::copy(values.begin(), values.end(), t.impl_->values.begin());
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

size_t Tensor::numel() const { return shape_numel(shape()); }
Device Tensor::device() const { return impl_->device; }
float* Tensor::data() const { return impl_->values.data(); }
std::vector<float> Tensor::to_vector() const { return impl_->values; }

float Tensor::item() const {
  require(numel() == 1, "Tensor::item: tensor of shape ", shape_string(shape()), " has ", numel(), " values");
  return impl_->values[0];
}

float* Tensor::grad() const {
  if (impl_->gradient.empty()) impl_->gradient.assign(impl_->values.size(), 0.0f);
  return impl_->gradient.data();
}
bool Tensor::has_grad() const { return defined() && !impl_->gradient.empty(); }
std::vector<float> Tensor::grad_vector() const {
  return has_grad() ? impl_->gradient : std::vector<float>(numel(), 0.0f);
}
void Tensor::zero_grad() const { std::fill(impl_->gradient.begin(), impl_->gradient.end(), 0.0f); }

bool Tensor::requires_grad() const { return defined() && impl_->requires_grad; }
const Tensor& Tensor::set_requires_grad(bool requires) const {
  impl_->requires_grad = requires;
  return *this;
}

}  // namespace untangle
