// Elementwise functions y = f(x): each op names its function from kernels/cpu/activation.h, where the
// forward formula and the derivative dy/dx live (written through x or y, whichever is cheaper:
// sigmoid' = y(1-y), exp' = y, ...), beside their CUDA twins.
#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "kernels/cpu/activation.h"
#include "kernels/cuda/activation.h"

namespace untangle {

namespace {

Tensor unary_op(Tape& tape, Activation f, const Tensor& x, float slope = 0.2f) {
  const Device device = x.device();
  Tensor y = Tensor::empty(x.shape(), device);
  on_device(
      device, [&] { cuda::activation_forward(f, x.storage(), y.storage(), x.numel(), slope); },
      [&] { activation_forward(f, x.storage(), y.storage(), x.numel(), slope); });
  if (tape.needs_grad({&x})) {
    tape.record(activation_name(f), y, [f, x, y, slope, device]() {
      // x's first gradient is written, not added to a zero-filled buffer (one pass over memory less).
      const bool accumulate = x.has_grad();
      float* dx = accumulate ? x.grad_storage() : x.grad_storage_for_overwrite();
      on_device(
          device,
          [&] {
            cuda::activation_backward(f, x.storage(), y.storage(), y.grad_storage(), dx, x.numel(), slope,
                                      accumulate);
          },
          [&] {
            activation_backward(f, x.storage(), y.storage(), y.grad_storage(), dx, x.numel(), slope,
                                accumulate);
          });
    });
  }
  return y;
}

}  // namespace

Tensor relu(Tape& tape, const Tensor& x) {
  return unary_op(tape, Activation::Relu, x);
}
Tensor leaky_relu(Tape& tape, const Tensor& x, float slope) {
  return unary_op(tape, Activation::LeakyRelu, x, slope);
}
Tensor sigmoid(Tape& tape, const Tensor& x) {
  return unary_op(tape, Activation::Sigmoid, x);
}
Tensor tanh(Tape& tape, const Tensor& x) {
  return unary_op(tape, Activation::Tanh, x);
}
Tensor exp(Tape& tape, const Tensor& x) {
  return unary_op(tape, Activation::Exp, x);
}
Tensor log(Tape& tape, const Tensor& x) {
  return unary_op(tape, Activation::Log, x);
}
Tensor softplus(Tape& tape, const Tensor& x) {
  return unary_op(tape, Activation::Softplus, x);
}
Tensor abs(Tape& tape, const Tensor& x) {
  return unary_op(tape, Activation::Abs, x);
}
Tensor square(Tape& tape, const Tensor& x) {
  return unary_op(tape, Activation::Square, x);
}
Tensor erf(Tape& tape, const Tensor& x) {
  return unary_op(tape, Activation::Erf, x);
}

}  // namespace untangle
