// Reductions: sum and mean over everything or along one axis, and logsumexp along an axis.
//
// An axis reduction views x as (outer, length, inner) — length is the reduced dimension, outer the
// product of the dimensions before it, inner of those after — so one loop nest handles every axis.
#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/ops.h"
#include "kernels/check.h"

namespace untangle {

namespace {

struct AxisView {
  size_t outer = 1, length = 1, inner = 1;
  Shape out_shape;
};

AxisView view_along(const char* op, const Tensor& x, int axis, bool keep_dim) {
  const int rank = x.rank();
  require(axis >= -rank && axis < rank, op, ": axis ", axis, " out of range for shape ", shape_string(x.shape()));
  if (axis < 0) axis += rank;
  AxisView v;
  for (int i = 0; i < rank; ++i) {
    size_t d = size_t(x.shape()[size_t(i)]);
    if (i < axis) v.outer *= d;
    else if (i == axis) v.length = d;
    else v.inner *= d;
    if (i != axis) v.out_shape.push_back(int(d));
    else if (keep_dim) v.out_shape.push_back(1);
  }
  return v;
}

Tensor sum_all(Tape& tape, const char* name, const Tensor& x, float factor) {
  const float* px = x.data();
  const size_t n = x.numel();
  double total = 0.0;  // double accumulator: sums of ~1e6 floats would otherwise lose digits
  for (size_t i = 0; i < n; ++i) total += px[i];
  Tensor y = Tensor::scalar(float(total * factor));
  if (tape.needs_grad({&x})) {
    tape.record(name, y, [x, y, factor]() mutable {
      const float g = y.grad()[0] * factor;
      float* gx = x.grad();
      const size_t n = x.numel();
      for (size_t i = 0; i < n; ++i) gx[i] += g;
    });
  }
  return y;
}

Tensor sum_axis(Tape& tape, const char* name, const Tensor& x, int axis, bool keep_dim, bool average) {
  AxisView v = view_along(name, x, axis, keep_dim);
  const float factor = average ? 1.0f / float(std::max<size_t>(v.length, 1)) : 1.0f;
  Tensor y = Tensor::zeros(v.out_shape);
  const float* px = x.data();
  float* py = y.data();
  for (size_t o = 0; o < v.outer; ++o)
    for (size_t l = 0; l < v.length; ++l)
      for (size_t i = 0; i < v.inner; ++i) py[o * v.inner + i] += px[(o * v.length + l) * v.inner + i];
  for (size_t i = 0; i < y.numel(); ++i) py[i] *= factor;
  if (tape.needs_grad({&x})) {
    tape.record(name, y, [x, y, v, factor]() mutable {
      const float* gy = y.grad();
      float* gx = x.grad();
      for (size_t o = 0; o < v.outer; ++o)
        for (size_t l = 0; l < v.length; ++l)
          for (size_t i = 0; i < v.inner; ++i) gx[(o * v.length + l) * v.inner + i] += factor * gy[o * v.inner + i];
    });
  }
  return y;
}

}  // namespace

Tensor sum(Tape& tape, const Tensor& x) { return sum_all(tape, "sum", x, 1.0f); }
Tensor mean(Tape& tape, const Tensor& x) {
  return sum_all(tape, "mean", x, 1.0f / float(std::max<size_t>(x.numel(), 1)));
}
Tensor sum(Tape& tape, const Tensor& x, int axis, bool keep_dim) { return sum_axis(tape, "sum", x, axis, keep_dim, false); }
Tensor mean(Tape& tape, const Tensor& x, int axis, bool keep_dim) {
  return sum_axis(tape, "mean", x, axis, keep_dim, true);
}

Tensor logsumexp(Tape& tape, const Tensor& x, int axis, bool keep_dim) {
  AxisView v = view_along("logsumexp", x, axis, keep_dim);
  require(v.length > 0, "logsumexp: cannot reduce an empty axis");
  Tensor y = Tensor::zeros(v.out_shape);
  const float* px = x.data();
  float* py = y.data();
  for (size_t o = 0; o < v.outer; ++o)
    for (size_t i = 0; i < v.inner; ++i) {
      float largest = -std::numeric_limits<float>::infinity();
      for (size_t l = 0; l < v.length; ++l) largest = std::max(largest, px[(o * v.length + l) * v.inner + i]);
      if (std::isinf(largest)) {  // all -inf (or a +inf): the answer is that infinity
        py[o * v.inner + i] = largest;
        continue;
      }
      double total = 0.0;
      for (size_t l = 0; l < v.length; ++l) total += std::exp(double(px[(o * v.length + l) * v.inner + i] - largest));
      py[o * v.inner + i] = largest + float(std::log(total));
    }
  if (tape.needs_grad({&x})) {
    // d/dx_l logsumexp(x) = softmax(x)_l = exp(x_l - y).
    tape.record("logsumexp", y, [x, y, v]() mutable {
      const float *px = x.data(), *py = y.data(), *gy = y.grad();
      float* gx = x.grad();
      for (size_t o = 0; o < v.outer; ++o)
        for (size_t l = 0; l < v.length; ++l)
          for (size_t i = 0; i < v.inner; ++i) {
            size_t xi = (o * v.length + l) * v.inner + i, yi = o * v.inner + i;
            gx[xi] += gy[yi] * std::exp(px[xi] - py[yi]);
          }
    });
  }
  return y;
}

}  // namespace untangle
