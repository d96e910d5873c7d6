#include "kernels/cpu/broadcast.h"

#include <algorithm>

#include "kernels/check.h"

namespace untangle {

const char* binary_op_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "add";
    case BinaryOp::Sub: return "sub";
    case BinaryOp::Mul: return "mul";
    case BinaryOp::Div: return "div";
  }
  return "?";
}

std::vector<int> Broadcast::out_shape() const {
  std::vector<int> shape;
  for (int i = 4 - rank; i < 4; ++i) shape.push_back(int(dims[i]));
  return shape;
}

Broadcast plan_broadcast(const std::vector<int>& a, const std::vector<int>& b) {
  require(a.size() <= 4 && b.size() <= 4, "broadcast: ranks above 4 are not supported (", a.size(), ", ", b.size(), ")");
  size_t da[4] = {1, 1, 1, 1}, db[4] = {1, 1, 1, 1};
  for (size_t i = 0; i < a.size(); ++i) da[4 - a.size() + i] = size_t(a[i]);
  for (size_t i = 0; i < b.size(); ++i) db[4 - b.size() + i] = size_t(b[i]);
  Broadcast plan;
  plan.rank = int(std::max(a.size(), b.size()));
  for (int i = 0; i < 4; ++i) {
    require(da[i] == db[i] || da[i] == 1 || db[i] == 1, "broadcast: dimension ", i - (4 - plan.rank), " is ", da[i],
            " in one operand and ", db[i], " in the other");
    plan.dims[i] = std::max(da[i], db[i]);
  }
  size_t sa = 1, sb = 1;
  for (int i = 3; i >= 0; --i) {
    plan.a_strides[i] = da[i] == 1 ? 0 : sa;
    plan.b_strides[i] = db[i] == 1 ? 0 : sb;
    sa *= da[i];
    sb *= db[i];
  }
  return plan;
}

namespace {

float apply(BinaryOp op, float x, float y) {
  switch (op) {
    case BinaryOp::Add: return x + y;
    case BinaryOp::Sub: return x - y;
    case BinaryOp::Mul: return x * y;
    case BinaryOp::Div: return x / y;
  }
  return 0.0f;
}

// d(x op y)/dx and d(x op y)/dy
float derivative_a(BinaryOp op, float, float y) {
  switch (op) {
    case BinaryOp::Add: case BinaryOp::Sub: return 1.0f;
    case BinaryOp::Mul: return y;
    case BinaryOp::Div: return 1.0f / y;
  }
  return 0.0f;
}
float derivative_b(BinaryOp op, float x, float y) {
  switch (op) {
    case BinaryOp::Add: return 1.0f;
    case BinaryOp::Sub: return -1.0f;
    case BinaryOp::Mul: return x;
    case BinaryOp::Div: return -x / (y * y);
  }
  return 0.0f;
}

// visit(out_index, a_index, b_index) for every output element, in order.
template <typename Visit>
void for_each_element(const Broadcast& p, Visit visit) {
  size_t out = 0;
  for (size_t i0 = 0; i0 < p.dims[0]; ++i0)
    for (size_t i1 = 0; i1 < p.dims[1]; ++i1)
      for (size_t i2 = 0; i2 < p.dims[2]; ++i2)
        for (size_t i3 = 0; i3 < p.dims[3]; ++i3, ++out)
          visit(out, i0 * p.a_strides[0] + i1 * p.a_strides[1] + i2 * p.a_strides[2] + i3 * p.a_strides[3],
                i0 * p.b_strides[0] + i1 * p.b_strides[1] + i2 * p.b_strides[2] + i3 * p.b_strides[3]);
}

}  // namespace

void binary_forward(BinaryOp op, const Broadcast& plan, const float* a, const float* b, float* out) {
  for_each_element(plan, [&](size_t o, size_t i, size_t j) { out[o] = apply(op, a[i], b[j]); });
}

void binary_backward(BinaryOp op, const Broadcast& plan, const float* a, const float* b, const float* d_out,
                     float* d_a, float* d_b) {
  for_each_element(plan, [&](size_t o, size_t i, size_t j) {
    if (d_a) d_a[i] += d_out[o] * derivative_a(op, a[i], b[j]);
    if (d_b) d_b[j] += d_out[o] * derivative_b(op, a[i], b[j]);
  });
}

}  // namespace untangle
