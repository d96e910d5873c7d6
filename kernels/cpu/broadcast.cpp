#include "kernels/cpu/broadcast.h"

#include <algorithm>

#include "core/check.h"

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
  require(a.size() <= 4 && b.size() <= 4, "broadcast: ranks above 4 are not supported (", a.size(), ", ",
          b.size(), ")");
  size_t da[4] = {1, 1, 1, 1}, db[4] = {1, 1, 1, 1};
  for (size_t i = 0; i < a.size(); ++i) da[4 - a.size() + i] = size_t(a[i]);
  for (size_t i = 0; i < b.size(); ++i) db[4 - b.size() + i] = size_t(b[i]);
  Broadcast plan;
  plan.rank = int(std::max(a.size(), b.size()));
  for (int i = 0; i < 4; ++i) {
    require(da[i] == db[i] || da[i] == 1 || db[i] == 1, "broadcast: dimension ", i - (4 - plan.rank), " is ",
            da[i], " in one operand and ", db[i], " in the other");
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

// The op is a template argument so each loop below is compiled once per op with the arithmetic inlined
// (a switch inside the loop would be evaluated per element).
template <BinaryOp Op>
float apply(float x, float y) {
  if constexpr (Op == BinaryOp::Add) return x + y;
  if constexpr (Op == BinaryOp::Sub) return x - y;
  if constexpr (Op == BinaryOp::Mul) return x * y;
  if constexpr (Op == BinaryOp::Div) return x / y;
}

// d(x op y)/dx and d(x op y)/dy
template <BinaryOp Op>
float derivative_a(float, float y) {
  if constexpr (Op == BinaryOp::Add || Op == BinaryOp::Sub) return 1.0f;
  if constexpr (Op == BinaryOp::Mul) return y;
  if constexpr (Op == BinaryOp::Div) return 1.0f / y;
}
template <BinaryOp Op>
float derivative_b(float x, float y) {
  if constexpr (Op == BinaryOp::Add) return 1.0f;
  if constexpr (Op == BinaryOp::Sub) return -1.0f;
  if constexpr (Op == BinaryOp::Mul) return x;
  if constexpr (Op == BinaryOp::Div) return -x / (y * y);
}

bool same_shapes(const Broadcast& p) {
  size_t expected = 1;
  for (int i = 3; i >= 0; --i) {
    if (p.a_strides[i] != expected && p.dims[i] != 1) return false;
    if (p.b_strides[i] != expected && p.dims[i] != 1) return false;
    expected *= p.dims[i];
  }
  return true;
}

// visit(out_index, a_index, b_index) for every output element, in order.
template <typename Visit>
void for_each_element(const Broadcast& p, Visit visit) {
  if (same_shapes(p)) {  // the common case: one flat loop the compiler can vectorise
    const size_t n = p.count();
    for (size_t i = 0; i < n; ++i) visit(i, i, i);
    return;
  }
  size_t out = 0;
  for (size_t i0 = 0; i0 < p.dims[0]; ++i0)
    for (size_t i1 = 0; i1 < p.dims[1]; ++i1)
      for (size_t i2 = 0; i2 < p.dims[2]; ++i2)
        for (size_t i3 = 0; i3 < p.dims[3]; ++i3, ++out)
          visit(out, i0 * p.a_strides[0] + i1 * p.a_strides[1] + i2 * p.a_strides[2] + i3 * p.a_strides[3],
                i0 * p.b_strides[0] + i1 * p.b_strides[1] + i2 * p.b_strides[2] + i3 * p.b_strides[3]);
}

template <BinaryOp Op>
void forward(const Broadcast& plan, const float* a, const float* b, float* out) {
  for_each_element(plan, [&](size_t o, size_t i, size_t j) { out[o] = apply<Op>(a[i], b[j]); });
}

template <BinaryOp Op>
void backward(const Broadcast& plan, const float* a, const float* b, const float* d_out, float* d_a,
              float* d_b) {
  if (d_a)
    for_each_element(
        plan, [&](size_t o, size_t i, size_t j) { d_a[i] += d_out[o] * derivative_a<Op>(a[i], b[j]); });
  if (d_b)
    for_each_element(
        plan, [&](size_t o, size_t i, size_t j) { d_b[j] += d_out[o] * derivative_b<Op>(a[i], b[j]); });
}

}  // namespace

void binary_forward(BinaryOp op, const Broadcast& plan, const float* a, const float* b, float* out) {
  switch (op) {
    case BinaryOp::Add: return forward<BinaryOp::Add>(plan, a, b, out);
    case BinaryOp::Sub: return forward<BinaryOp::Sub>(plan, a, b, out);
    case BinaryOp::Mul: return forward<BinaryOp::Mul>(plan, a, b, out);
    case BinaryOp::Div: return forward<BinaryOp::Div>(plan, a, b, out);
  }
}

void binary_backward(BinaryOp op, const Broadcast& plan, const float* a, const float* b, const float* d_out,
                     float* d_a, float* d_b) {
  switch (op) {
    case BinaryOp::Add: return backward<BinaryOp::Add>(plan, a, b, d_out, d_a, d_b);
    case BinaryOp::Sub: return backward<BinaryOp::Sub>(plan, a, b, d_out, d_a, d_b);
    case BinaryOp::Mul: return backward<BinaryOp::Mul>(plan, a, b, d_out, d_a, d_b);
    case BinaryOp::Div: return backward<BinaryOp::Div>(plan, a, b, d_out, d_a, d_b);
  }
}

}  // namespace untangle
