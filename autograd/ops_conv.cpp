// Convolution and transposed convolution as ops. Both use the three kernels of kernels/cpu/conv2d.h (or
// their hand-written CUDA twins, kernels/cuda/conv2d.h):
//
//   conv2d            forward = conv2d_forward        dx = conv2d_backward_data
//                     dw = conv2d_backward_weight(x, dy)
//   conv_transpose2d  forward = conv2d_backward_data  dx = conv2d_forward
//                     dw = conv2d_backward_weight(dy, x)
//
// i.e. a transposed convolution is the gradient of a convolution whose input is our output.
// The kernels overwrite their outputs, so a gradient is written in place when it is the tensor's first,
// and otherwise computed into scratch and then added (a tensor can be used twice).
//
// Both take an optional fused ReLU (OutputActivation, kernels/cpu/activation.h): applied as the output is
// stored, it saves the separate ReLU's pass over memory. Going back, its derivative is read from the
// output (y > 0 exactly where the pre-activation is > 0), so no pre-activation tensor is kept.
#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "core/check.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cuda/activation.h"
#include "kernels/cuda/conv2d.h"

namespace untangle {

namespace {

void check_bias(const char* op, const Tensor& bias, int channels) {
  require(!bias.defined() || (bias.rank() == 1 && bias.dim(0) == channels), op, ": bias must have shape (",
          channels, "), got ", bias.defined() ? shape_string(bias.shape()) : "");
}

// The three passes on either device. Each overwrites its outputs; db may be null.
void forward_pass(Device device, const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                  float* y, OutputActivation activation = OutputActivation::None) {
  on_device(
      device, [&] { cuda::conv2d_forward(g, x, w, bias, y, activation); },
      [&] { conv2d_forward(g, x, w, bias, y, activation); });
}

void backward_data_pass(Device device, const Conv2dGeometry& g, const float* dy, const float* w, float* dx) {
  on_device(
      device, [&] { cuda::conv2d_backward_data(g, dy, w, dx); }, [&] { conv2d_backward_data(g, dy, w, dx); });
}

void backward_weight_pass(Device device, const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                          float* db) {
  on_device(
      device,
      [&] {
        Tensor workspace = Tensor::empty({int(cuda::conv2d_backward_weight_workspace_floats(g))}, device);
        cuda::conv2d_backward_weight(g, x, dy, dw, db, workspace.storage());
      },
      [&] { conv2d_backward_weight(g, x, dy, dw, db); });
}

// Computes a gradient with `pass` (which overwrites its output) and adds it to target's gradient: in place
// when this is target's first gradient, else into scratch and then added (a tensor can be used twice).
template <typename Pass>
void add_gradient(const Tensor& target, Pass pass) {
  if (!target.has_grad()) {
    pass(target.grad_storage_for_overwrite());
    return;
  }
  Tensor scratch = Tensor::empty(target.shape(), target.device());
  pass(scratch.storage());
  add_floats(target.grad_storage(), scratch.storage(), target.numel(), target.device());
}

// Per-channel bias on an (N, C, H, W) tensor and the fused activation, one pass: y = f(y + bias) (bias may
// be undefined); going back, d_bias += sums of dy.
void add_channel_bias(const Tensor& y, const Tensor& bias, OutputActivation activation) {
  const float* b = bias.defined() ? bias.storage() : nullptr;
  const int batch = y.dim(0), channels = y.dim(1), plane = y.dim(2) * y.dim(3);
  on_device(
      y.device(), [&] { cuda::conv2d_add_bias(y.storage(), b, batch, channels, plane, activation); },
      [&] { conv2d_add_bias(y.storage(), b, batch, channels, plane, activation); });
}

void add_channel_bias_gradient(const Tensor& y, const float* dy, const Tensor& bias) {
  const int batch = y.dim(0), channels = y.dim(1), plane = y.dim(2) * y.dim(3);
  add_gradient(bias, [&](float* db) {
    on_device(
        y.device(), [&] { cuda::conv2d_bias_gradient(dy, batch, channels, plane, db); },
        [&] { conv2d_bias_gradient(dy, batch, channels, plane, db); });
  });
}

// The gradient at the convolution's own output, before its fused activation: y's gradient as it is, or,
// with a fused ReLU, that gradient where y > 0 and zero elsewhere, written into `masked` (one pass, as the
// separate ReLU's backward made; y's gradient is left as the tape holds it).
const float* output_gradient(const Tensor& y, OutputActivation activation, Tensor& masked) {
  if (activation == OutputActivation::None) return y.grad_storage();
  masked = Tensor::empty(y.shape(), y.device());
  const float *out = y.storage(), *dy = y.grad_storage();
  float* d_pre = masked.storage();
  const size_t n = y.numel();
  on_device(
      y.device(), [&] { cuda::activation_backward(Activation::Relu, out, out, dy, d_pre, n, 0.0f, false); },
      [&] { activation_backward(Activation::Relu, out, out, dy, d_pre, n, 0.0f, false); });
  return d_pre;
}

}  // namespace

Tensor conv2d(Tape& tape, const Tensor& x, const Tensor& weight, const Tensor& bias, int stride, int padding,
              OutputActivation activation) {
  require(x.rank() == 4, "conv2d: input must be (N, C, H, W), got ", shape_string(x.shape()));
  require(weight.rank() == 4, "conv2d: weight must be (O, C, kh, kw), got ", shape_string(weight.shape()));
  require(x.dim(1) == weight.dim(1), "conv2d: input has ", x.dim(1), " channels, weight expects ",
          weight.dim(1));
  require(stride >= 1 && padding >= 0, "conv2d: stride must be >= 1 and padding >= 0");
  check_bias("conv2d", bias, weight.dim(0));
  const Device device = common_device("conv2d", {&x, &weight, &bias});
  Conv2dGeometry g{x.dim(0),      x.dim(1),      x.dim(2), x.dim(3), weight.dim(0),
                   weight.dim(2), weight.dim(3), stride,   padding};
  require(g.in_height + 2 * padding >= g.kernel_height && g.in_width + 2 * padding >= g.kernel_width,
          "conv2d: input ", shape_string(x.shape()), " is smaller than the kernel");
  Tensor y = Tensor::empty({g.batch, g.out_channels, g.out_height(), g.out_width()}, device);
  forward_pass(device, g, x.storage(), weight.storage(), bias.defined() ? bias.storage() : nullptr,
               y.storage(), activation);
  if (tape.needs_grad({&x, &weight, &bias})) {
    const bool relu = activation == OutputActivation::Relu;
    tape.record(relu ? "conv2d+relu" : "conv2d", y, [x, weight, bias, y, g, device, activation]() {
      Tensor masked;
      const float* dy = output_gradient(y, activation, masked);
      if (x.requires_grad())
        add_gradient(x, [&](float* dx) { backward_data_pass(device, g, dy, weight.storage(), dx); });
      if (weight.requires_grad() || bias.requires_grad()) {
        Tensor dw = Tensor::empty(weight.shape(), device), db = Tensor::empty({g.out_channels}, device);
        backward_weight_pass(device, g, x.storage(), dy, dw.storage(),
                             bias.requires_grad() ? db.storage() : nullptr);
        if (weight.requires_grad()) add_floats(weight.grad_storage(), dw.storage(), dw.numel(), device);
        if (bias.requires_grad()) add_floats(bias.grad_storage(), db.storage(), db.numel(), device);
      }
    });
  }
  return y;
}

Tensor conv_transpose2d(Tape& tape, const Tensor& x, const Tensor& weight, const Tensor& bias, int stride,
                        int padding, OutputActivation activation) {
  require(x.rank() == 4, "conv_transpose2d: input must be (N, C, H, W), got ", shape_string(x.shape()));
  require(weight.rank() == 4, "conv_transpose2d: weight must be (C, O, kh, kw), got ",
          shape_string(weight.shape()));
  require(x.dim(1) == weight.dim(0), "conv_transpose2d: input has ", x.dim(1), " channels, weight expects ",
          weight.dim(0));
  require(stride >= 1 && padding >= 0, "conv_transpose2d: stride must be >= 1 and padding >= 0");
  check_bias("conv_transpose2d", bias, weight.dim(1));
  const Device device = common_device("conv_transpose2d", {&x, &weight, &bias});
  const int out_height = (x.dim(2) - 1) * stride - 2 * padding + weight.dim(2);
  const int out_width = (x.dim(3) - 1) * stride - 2 * padding + weight.dim(3);
  require(out_height > 0 && out_width > 0, "conv_transpose2d: padding ", padding, " leaves no output");
  // The convolution whose backward pass this is: it maps our output (O channels) to our input (C channels).
  Conv2dGeometry g{x.dim(0),      weight.dim(1), out_height, out_width, weight.dim(0),
                   weight.dim(2), weight.dim(3), stride,     padding};
  require(g.out_height() == x.dim(2) && g.out_width() == x.dim(3), "conv_transpose2d: geometry mismatch");
  Tensor y = Tensor::empty({g.batch, g.in_channels, out_height, out_width}, device);
  backward_data_pass(device, g, x.storage(), weight.storage(), y.storage());
  if (bias.defined() || activation != OutputActivation::None) add_channel_bias(y, bias, activation);
  if (tape.needs_grad({&x, &weight, &bias})) {
    const bool relu = activation == OutputActivation::Relu;
    tape.record(
        relu ? "conv_transpose2d+relu" : "conv_transpose2d", y,
        [x, weight, bias, y, g, device, activation]() {
          Tensor masked;
          const float* dy = output_gradient(y, activation, masked);
          if (x.requires_grad())
            add_gradient(x, [&](float* dx) { forward_pass(device, g, dy, weight.storage(), nullptr, dx); });
          if (weight.requires_grad())
            add_gradient(weight,
                         [&](float* dw) { backward_weight_pass(device, g, dy, x.storage(), dw, nullptr); });
          if (bias.requires_grad()) add_channel_bias_gradient(y, dy, bias);
        });
  }
  return y;
}

}  // namespace untangle
