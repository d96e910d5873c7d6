// Reductions: sum and mean over everything or along one axis, and logsumexp along an axis, on the
// kernels of kernels/cpu/reduce.h and their CUDA twins (every sum in double, in a fixed order).
//
// An axis reduction views x as (outer, length, inner) — length is the reduced dimension, outer the
// product of the dimensions before it, inner of those after — so one kernel handles every axis, and a
// sum over everything is the view (1, n, 1).
#include <algorithm>
#include <limits>

#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "core/check.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cuda/reduce.h"

namespace untangle {

namespace {

struct AxisView {
  int outer = 1, length = 1, inner = 1;
  Shape out_shape;
};

AxisView view_along(const char* op, const Tensor& x, int axis, bool keep_dim) {
  const int rank = x.rank();
  require(axis >= -rank && axis < rank, op, ": axis ", axis, " out of range for shape ",
          shape_string(x.shape()));
  if (axis < 0) axis += rank;
  AxisView v;
  for (int i = 0; i < rank; ++i) {
    const int d = x.shape()[size_t(i)];
    if (i < axis)
      v.outer *= d;
    else if (i == axis)
      v.length = d;
    else
      v.inner *= d;
    if (i != axis)
      v.out_shape.push_back(d);
    else if (keep_dim)
      v.out_shape.push_back(1);
  }
  return v;
}

AxisView view_all(const Tensor& x) {
  require(x.numel() <= size_t(std::numeric_limits<int>::max()), "sum: ", x.numel(), " elements are too many");
  return AxisView{1, int(x.numel()), 1, {}};
}

// y = factor * sum along the view; `factor` is 1 for a sum and 1 / length for a mean.
Tensor sum_view(Tape& tape, const char* name, const Tensor& x, const AxisView& v, float factor) {
  const Device device = x.device();
  Tensor y = Tensor::empty(v.out_shape, device);
  on_device(
      device,
      [&] {
        if (v.outer == 1 && v.inner == 1)
          cuda::sum_all(x.storage(), x.numel(), y.storage());  // the whole GPU
        else
          cuda::sum_axis(x.storage(), v.outer, v.length, v.inner, y.storage());
      },
      [&] { sum_axis(x.storage(), v.outer, v.length, v.inner, y.storage()); });
  if (factor != 1.0f) scale_floats(y.storage(), y.numel(), factor, device);
  if (tape.needs_grad({&x})) {
    tape.record(name, y, [x, y, v, factor, device]() {
      on_device(
          device,
          [&] {
            cuda::sum_axis_backward(y.grad_storage(), v.outer, v.length, v.inner, factor, x.grad_storage());
          },
          [&] { sum_axis_backward(y.grad_storage(), v.outer, v.length, v.inner, factor, x.grad_storage()); });
    });
  }
  return y;
}

}  // namespace

Tensor sum(Tape& tape, const Tensor& x) {
  return sum_view(tape, "sum", x, view_all(x), 1.0f);
}
Tensor mean(Tape& tape, const Tensor& x) {
  return sum_view(tape, "mean", x, view_all(x), 1.0f / float(std::max<size_t>(x.numel(), 1)));
}
Tensor sum(Tape& tape, const Tensor& x, int axis, bool keep_dim) {
  return sum_view(tape, "sum", x, view_along("sum", x, axis, keep_dim), 1.0f);
}
Tensor mean(Tape& tape, const Tensor& x, int axis, bool keep_dim) {
  AxisView v = view_along("mean", x, axis, keep_dim);
  return sum_view(tape, "mean", x, v, 1.0f / float(std::max(v.length, 1)));
}

Tensor logsumexp(Tape& tape, const Tensor& x, int axis, bool keep_dim) {
  AxisView v = view_along("logsumexp", x, axis, keep_dim);
  require(v.length > 0, "logsumexp: cannot reduce an empty axis");
  const Device device = x.device();
  Tensor y = Tensor::empty(v.out_shape, device);
  on_device(
      device, [&] { cuda::logsumexp_axis(x.storage(), v.outer, v.length, v.inner, y.storage()); },
      [&] { logsumexp_axis(x.storage(), v.outer, v.length, v.inner, y.storage()); });
  if (tape.needs_grad({&x})) {
    // d/dx_l logsumexp(x) = softmax(x)_l = exp(x_l - y).
    tape.record("logsumexp", y, [x, y, v, device]() {
      on_device(
          device,
          [&] {
            cuda::logsumexp_axis_backward(x.storage(), y.storage(), y.grad_storage(), v.outer, v.length,
                                          v.inner, x.grad_storage());
          },
          [&] {
            logsumexp_axis_backward(x.storage(), y.storage(), y.grad_storage(), v.outer, v.length, v.inner,
                                    x.grad_storage());
          });
    });
  }
  return y;
}

}  // namespace untangle
