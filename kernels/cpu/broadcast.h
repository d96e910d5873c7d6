// Binary elementwise ops with NumPy broadcasting, as raw loops: the kernel-level twins of
// autograd/ops_elementwise.cpp (GPU side: kernels/cuda/broadcast.h).
//
// Both inputs are viewed as 4-D (shapes padded with leading 1s); a dimension along which an input is
// stretched gets stride 0, so one index map serves same-shape, scalar, per-row and per-channel operands.
#pragma once
#include <cstddef>
#include <vector>

namespace untangle {

enum class BinaryOp { Add, Sub, Mul, Div };
const char* binary_op_name(BinaryOp op);

struct Broadcast {
  int rank = 0;                        // rank of the output (<= 4)
  size_t dims[4] = {1, 1, 1, 1};       // output dimensions, padded with leading 1s
  size_t a_strides[4] = {0, 0, 0, 0};  // 0 along a dimension where a is stretched (or has size 1)
  size_t b_strides[4] = {0, 0, 0, 0};
  size_t count() const { return dims[0] * dims[1] * dims[2] * dims[3]; }
  std::vector<int> out_shape() const;
};

// Throws untangle::Error when the shapes (rank <= 4 each) do not broadcast.
Broadcast plan_broadcast(const std::vector<int>& a_shape, const std::vector<int>& b_shape);

// out = a op b, out: plan.count() floats.
void binary_forward(BinaryOp op, const Broadcast& plan, const float* a, const float* b, float* out);
// d_a += d(out)/d(a) * d_out, summed over the dimensions a was stretched along; likewise d_b. Either
// gradient may be null (that input needs none).
void binary_backward(BinaryOp op, const Broadcast& plan, const float* a, const float* b, const float* d_out,
                     float* d_a, float* d_b);

}  // namespace untangle
