// Binary elementwise ops with NumPy broadcasting, on the kernels of kernels/cpu/broadcast.h (and their
// CUDA twins). Both inputs are viewed as 4-D; a broadcast dimension gets stride 0, so one index map serves
// every case. The backward kernel adds each output gradient into the input element it came from (so a
// broadcast input receives the sum over the dimensions it was stretched along).
#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "core/check.h"
#include "kernels/cpu/broadcast.h"
#include "kernels/cuda/broadcast.h"

namespace untangle {

namespace {

Tensor binary_op(Tape& tape, BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = binary_op_name(op);
  const Device device = common_device(name, {&a, &b});
  Broadcast plan;
  try {
    plan = plan_broadcast(a.shape(), b.shape());
  } catch (const Error&) {
    fail(name, ": shapes ", shape_string(a.shape()), " and ", shape_string(b.shape()), " do not broadcast");
  }
  Tensor out = Tensor::empty(plan.out_shape(), device);
  on_device(
      device, [&] { cuda::binary_forward(op, plan, a.storage(), b.storage(), out.storage()); },
      [&] { binary_forward(op, plan, a.storage(), b.storage(), out.storage()); });
  if (tape.needs_grad({&a, &b})) {
    tape.record(name, out, [a, b, out, plan, op, device]() {
      float* ga = a.requires_grad() ? a.grad_storage() : nullptr;
      float* gb = b.requires_grad() ? b.grad_storage() : nullptr;
      on_device(
          device,
          [&] { cuda::binary_backward(op, plan, a.storage(), b.storage(), out.grad_storage(), ga, gb); },
          [&] { binary_backward(op, plan, a.storage(), b.storage(), out.grad_storage(), ga, gb); });
    });
  }
  return out;
}

}  // namespace

Tensor add(Tape& tape, const Tensor& a, const Tensor& b) {
  return binary_op(tape, BinaryOp::Add, a, b);
}
Tensor sub(Tape& tape, const Tensor& a, const Tensor& b) {
  return binary_op(tape, BinaryOp::Sub, a, b);
}
Tensor mul(Tape& tape, const Tensor& a, const Tensor& b) {
  return binary_op(tape, BinaryOp::Mul, a, b);
}
Tensor div(Tape& tape, const Tensor& a, const Tensor& b) {
  return binary_op(tape, BinaryOp::Div, a, b);
}

Tensor add_scalar(Tape& tape, const Tensor& x, float value) {
  return add(tape, x, Tensor::scalar(value, x.device()));
}
Tensor scale(Tape& tape, const Tensor& x, float factor) {
  return mul(tape, x, Tensor::scalar(factor, x.device()));
}

}  // namespace untangle
