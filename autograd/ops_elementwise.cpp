// Binary elementwise ops with NumPy broadcasting.
//
// Both inputs are viewed as 4-D (padding shapes with leading 1s); a broadcast dimension gets stride 0,
// so one loop nest serves every case. The backward pass walks the same index map and adds each output
// gradient into the input element it came from (so a broadcast input receives the sum over the
// dimensions it was stretched along).
#include <array>

#include "autograd/ops.h"
#include "kernels/check.h"

namespace untangle {

namespace {

struct Broadcast {
  Shape out_shape;
  std::array<size_t, 4> dims{1, 1, 1, 1}, a_strides{0, 0, 0, 0}, b_strides{0, 0, 0, 0};
};

std::array<size_t, 4> padded_dims(const Shape& s) {
  std::array<size_t, 4> d{1, 1, 1, 1};
  for (size_t i = 0; i < s.size(); ++i) d[4 - s.size() + i] = size_t(s[i]);
  return d;
}

Broadcast plan_broadcast(const char* op, const Shape& a, const Shape& b) {
  Broadcast plan;
  auto da = padded_dims(a), db = padded_dims(b);
  for (int i = 0; i < 4; ++i) {
    require(da[i] == db[i] || da[i] == 1 || db[i] == 1, op, ": shapes ", shape_string(a), " and ", shape_string(b),
            " do not broadcast");
    plan.dims[i] = std::max(da[i], db[i]);
  }
  size_t rank = std::max(a.size(), b.size());
  for (size_t i = 4 - rank; i < 4; ++i) plan.out_shape.push_back(int(plan.dims[i]));
  size_t sa = 1, sb = 1;
  for (int i = 3; i >= 0; --i) {
    plan.a_strides[i] = da[i] == 1 ? 0 : sa;
    plan.b_strides[i] = db[i] == 1 ? 0 : sb;
    sa *= da[i];
    sb *= db[i];
  }
  return plan;
}

// Calls visit(out_index, a_index, b_index) for every output element, in order.
template <typename Visit>
void for_each_broadcast(const Broadcast& p, Visit visit) {
  size_t out = 0;
  for (size_t i0 = 0; i0 < p.dims[0]; ++i0)
    for (size_t i1 = 0; i1 < p.dims[1]; ++i1)
      for (size_t i2 = 0; i2 < p.dims[2]; ++i2) {
        size_t a = i0 * p.a_strides[0] + i1 * p.a_strides[1] + i2 * p.a_strides[2];
        size_t b = i0 * p.b_strides[0] + i1 * p.b_strides[1] + i2 * p.b_strides[2];
        for (size_t i3 = 0; i3 < p.dims[3]; ++i3, ++out) visit(out, a + i3 * p.a_strides[3], b + i3 * p.b_strides[3]);
      }
}

// forward(a, b) -> value; grad_a(a, b) and grad_b(a, b) are the partial derivatives.
template <typename Forward, typename GradA, typename GradB>
Tensor binary_op(Tape& tape, const char* name, const Tensor& a, const Tensor& b, Forward forward, GradA grad_a,
                 GradB grad_b) {
  Broadcast plan = plan_broadcast(name, a.shape(), b.shape());
  Tensor out = Tensor::zeros(plan.out_shape);
  const float *pa = a.data(), *pb = b.data();
  float* po = out.data();
  if (a.shape() == b.shape()) {
    const size_t n = out.numel();
    for (size_t i = 0; i < n; ++i) po[i] = forward(pa[i], pb[i]);
  } else {
    for_each_broadcast(plan, [&](size_t o, size_t i, size_t j) { po[o] = forward(pa[i], pb[j]); });
  }
  if (tape.needs_grad({&a, &b})) {
    tape.record(name, out, [a, b, out, plan, grad_a, grad_b]() mutable {
      const float *pa = a.data(), *pb = b.data(), *g = out.grad();
      float* ga = a.requires_grad() ? a.grad() : nullptr;
      float* gb = b.requires_grad() ? b.grad() : nullptr;
      for_each_broadcast(plan, [&](size_t o, size_t i, size_t j) {
        if (ga) ga[i] += g[o] * grad_a(pa[i], pb[j]);
        if (gb) gb[j] += g[o] * grad_b(pa[i], pb[j]);
      });
    });
  }
  return out;
}

}  // namespace

Tensor add(Tape& tape, const Tensor& a, const Tensor& b) {
  return binary_op(
      tape, "add", a, b, [](float x, float y) { return x + y; }, [](float, float) { return 1.0f; },
      [](float, float) { return 1.0f; });
}

Tensor sub(Tape& tape, const Tensor& a, const Tensor& b) {
  return binary_op(
      tape, "sub", a, b, [](float x, float y) { return x - y; }, [](float, float) { return 1.0f; },
      [](float, float) { return -1.0f; });
}

Tensor mul(Tape& tape, const Tensor& a, const Tensor& b) {
  return binary_op(
      tape, "mul", a, b, [](float x, float y) { return x * y; }, [](float, float y) { return y; },
      [](float x, float) { return x; });
}

Tensor div(Tape& tape, const Tensor& a, const Tensor& b) {
  return binary_op(
      tape, "div", a, b, [](float x, float y) { return x / y; }, [](float, float y) { return 1.0f / y; },
      [](float x, float y) { return -x / (y * y); });
}

Tensor add_scalar(Tape& tape, const Tensor& x, float value) { return add(tape, x, Tensor::scalar(value)); }
Tensor scale(Tape& tape, const Tensor& x, float factor) { return mul(tape, x, Tensor::scalar(factor)); }

}  // namespace untangle
