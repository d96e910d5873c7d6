#include "kernels/cuda/broadcast.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/stream.h"

namespace untangle::cuda {

namespace {

// The plan's numbers as a plain struct for the device (Broadcast's member functions are host code).
struct Plan {
  size_t dims[4], a_strides[4], b_strides[4];
};

Plan device_plan(const Broadcast& p) {
  Plan plan{};
  for (int i = 0; i < 4; ++i) {
    plan.dims[i] = p.dims[i];
    plan.a_strides[i] = p.a_strides[i];
    plan.b_strides[i] = p.b_strides[i];
  }
  return plan;
}

__device__ float apply(BinaryOp op, float x, float y) {
  switch (op) {
    case BinaryOp::Add: return x + y;
    case BinaryOp::Sub: return x - y;
    case BinaryOp::Mul: return x * y;
    case BinaryOp::Div: return x / y;
  }
  return 0.0f;
}

__device__ float derivative(BinaryOp op, bool with_respect_to_a, float x, float y) {
  switch (op) {
    case BinaryOp::Add: return 1.0f;
    case BinaryOp::Sub: return with_respect_to_a ? 1.0f : -1.0f;
    case BinaryOp::Mul: return with_respect_to_a ? y : x;
    case BinaryOp::Div: return with_respect_to_a ? 1.0f / y : -x / (y * y);
  }
  return 0.0f;
}

__global__ void forward_kernel(BinaryOp op, Plan p, const float* a, const float* b, float* out,
                               size_t count) {
  for (size_t o = blockIdx.x * size_t(blockDim.x) + threadIdx.x; o < count;
       o += size_t(gridDim.x) * blockDim.x) {
    size_t rest = o, ia = 0, ib = 0;
    for (int k = 3; k >= 0; --k) {  // the output index's 4-D coordinates, last dimension fastest
      const size_t coordinate = rest % p.dims[k];
      rest /= p.dims[k];
      ia += coordinate * p.a_strides[k];
      ib += coordinate * p.b_strides[k];
    }
    out[o] = apply(op, a[ia], b[ib]);
  }
}

// One thread per element of operand a (for_a) or b: walks every output coordinate that maps to it, in
// output order, summing d_out * derivative in double.
__global__ void operand_grad_kernel(BinaryOp op, Plan p, bool for_a, const float* a, const float* b,
                                    const float* d_out, float* grad, size_t operand_count) {
  const size_t* strides = for_a ? p.a_strides : p.b_strides;
  for (size_t j = blockIdx.x * size_t(blockDim.x) + threadIdx.x; j < operand_count;
       j += size_t(gridDim.x) * blockDim.x) {
    // The operand's own coordinates; along a stretched dimension every output coordinate maps here.
    size_t first[4], last[4], rest = j;
    for (int k = 3; k >= 0; --k) {
      const size_t size = strides[k] == 0 ? 1 : p.dims[k];
      const size_t coordinate = rest % size;
      rest /= size;
      first[k] = strides[k] == 0 ? 0 : coordinate;
      last[k] = strides[k] == 0 ? p.dims[k] : coordinate + 1;
    }
    double total = 0.0;
    for (size_t i0 = first[0]; i0 < last[0]; ++i0)
      for (size_t i1 = first[1]; i1 < last[1]; ++i1)
        for (size_t i2 = first[2]; i2 < last[2]; ++i2)
          for (size_t i3 = first[3]; i3 < last[3]; ++i3) {
            const size_t o = ((i0 * p.dims[1] + i1) * p.dims[2] + i2) * p.dims[3] + i3;
            const size_t ia =
                i0 * p.a_strides[0] + i1 * p.a_strides[1] + i2 * p.a_strides[2] + i3 * p.a_strides[3];
            const size_t ib =
                i0 * p.b_strides[0] + i1 * p.b_strides[1] + i2 * p.b_strides[2] + i3 * p.b_strides[3];
            total += d_out[o] * derivative(op, for_a, a[ia], b[ib]);
          }
    grad[j] += float(total);
  }
}

size_t operand_count(const Broadcast& p, const size_t* strides) {
  size_t count = 1;
  for (int k = 0; k < 4; ++k) count *= strides[k] == 0 ? 1 : p.dims[k];
  return count;
}

}  // namespace

void binary_forward(BinaryOp op, const Broadcast& plan, const float* a, const float* b, float* out) {
  const size_t count = plan.count();
  if (count == 0) return;
  forward_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream()>>>(op, device_plan(plan), a, b, out,
                                                                       count);
  UNTANGLE_CUDA_CHECK_LAUNCH(binary_op_name(op));
}

void binary_backward(BinaryOp op, const Broadcast& plan, const float* a, const float* b, const float* d_out,
                     float* d_a, float* d_b) {
  const Plan p = device_plan(plan);
  if (d_a) {
    const size_t count = operand_count(plan, plan.a_strides);
    operand_grad_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream()>>>(op, p, true, a, b, d_out, d_a,
                                                                              count);
    UNTANGLE_CUDA_CHECK_LAUNCH(binary_op_name(op));
  }
  if (d_b) {
    const size_t count = operand_count(plan, plan.b_strides);
    operand_grad_kernel<<<blocks_for(count), kThreadsPerBlock, 0, stream()>>>(op, p, false, a, b, d_out, d_b,
                                                                              count);
    UNTANGLE_CUDA_CHECK_LAUNCH(binary_op_name(op));
  }
}

}  // namespace untangle::cuda
