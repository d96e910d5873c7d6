// Convolution and transposed convolution as ops. Both use the three kernels of kernels/cpu/conv2d.h:
//
//   conv2d            forward = conv2d_forward        dx = conv2d_backward_data   dw = conv2d_backward_weight(x, dy)
//   conv_transpose2d  forward = conv2d_backward_data  dx = conv2d_forward         dw = conv2d_backward_weight(dy, x)
//
// i.e. a transposed convolution is the gradient of a convolution whose input is our output.
// The kernels overwrite their outputs, so gradients are computed into scratch and then added (a tensor
// can be used twice).
#include <vector>

#include "autograd/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/conv2d.h"

namespace untangle {

namespace {

void add_into(float* target, const std::vector<float>& values) {
  for (size_t i = 0; i < values.size(); ++i) target[i] += values[i];
}

void check_bias(const char* op, const Tensor& bias, int channels) {
  require(!bias.defined() || (bias.rank() == 1 && bias.dim(0) == channels), op, ": bias must have shape (", channels,
          "), got ", bias.defined() ? shape_string(bias.shape()) : "");
}

}  // namespace

Tensor conv2d(Tape& tape, const Tensor& x, const Tensor& weight, const Tensor& bias, int stride, int padding) {
  require(x.rank() == 4, "conv2d: input must be (N, C, H, W), got ", shape_string(x.shape()));
  require(weight.rank() == 4, "conv2d: weight must be (O, C, kh, kw), got ", shape_string(weight.shape()));
  require(x.dim(1) == weight.dim(1), "conv2d: input has ", x.dim(1), " channels, weight expects ", weight.dim(1));
  require(stride >= 1 && padding >= 0, "conv2d: stride must be >= 1 and padding >= 0");
  check_bias("conv2d", bias, weight.dim(0));
  Conv2dGeometry g{x.dim(0), x.dim(1), x.dim(2), x.dim(3), weight.dim(0), weight.dim(2), weight.dim(3), stride, padding};
  require(g.in_height + 2 * padding >= g.kernel_height && g.in_width + 2 * padding >= g.kernel_width,
          "conv2d: input ", shape_string(x.shape()), " is smaller than the kernel");
  Tensor y = Tensor::zeros({g.batch, g.out_channels, g.out_height(), g.out_width()});
  conv2d_forward(g, x.data(), weight.data(), bias.defined() ? bias.data() : nullptr, y.data());
  if (tape.needs_grad({&x, &weight, &bias})) {
    tape.record("conv2d", y, [x, weight, bias, y, g]() mutable {
      if (x.requires_grad()) {
        std::vector<float> dx(x.numel());
        conv2d_backward_data(g, y.grad(), weight.data(), dx.data());
        add_into(x.grad(), dx);
      }
      if (weight.requires_grad() || bias.requires_grad()) {
        std::vector<float> dw(weight.numel()), db(size_t(g.out_channels));
        conv2d_backward_weight(g, x.data(), y.grad(), dw.data(), db.data());
        if (weight.requires_grad()) add_into(weight.grad(), dw);
        if (bias.requires_grad()) add_into(bias.grad(), db);
      }
    });
  }
  return y;
}

Tensor conv_transpose2d(Tape& tape, const Tensor& x, const Tensor& weight, const Tensor& bias, int stride,
                        int padding) {
  require(x.rank() == 4, "conv_transpose2d: input must be (N, C, H, W), got ", shape_string(x.shape()));
  require(weight.rank() == 4, "conv_transpose2d: weight must be (C, O, kh, kw), got ", shape_string(weight.shape()));
  require(x.dim(1) == weight.dim(0), "conv_transpose2d: input has ", x.dim(1), " channels, weight expects ",
          weight.dim(0));
  require(stride >= 1 && padding >= 0, "conv_transpose2d: stride must be >= 1 and padding >= 0");
  check_bias("conv_transpose2d", bias, weight.dim(1));
  const int out_height = (x.dim(2) - 1) * stride - 2 * padding + weight.dim(2);
  const int out_width = (x.dim(3) - 1) * stride - 2 * padding + weight.dim(3);
  require(out_height > 0 && out_width > 0, "conv_transpose2d: padding ", padding, " leaves no output");
  // The convolution whose backward pass this is: it maps our output (O channels) to our input (C channels).
  Conv2dGeometry g{x.dim(0), weight.dim(1), out_height, out_width, weight.dim(0), weight.dim(2), weight.dim(3),
                   stride, padding};
  require(g.out_height() == x.dim(2) && g.out_width() == x.dim(3), "conv_transpose2d: geometry mismatch");
  Tensor y = Tensor::zeros({g.batch, g.in_channels, out_height, out_width});
  conv2d_backward_data(g, x.data(), weight.data(), y.data());
  if (bias.defined()) {
    const size_t plane = size_t(out_height) * out_width;
    float* py = y.data();
    for (int n = 0; n < g.batch; ++n)
      for (int c = 0; c < g.in_channels; ++c)
        for (size_t p = 0; p < plane; ++p) py[(size_t(n) * g.in_channels + c) * plane + p] += bias.data()[c];
  }
  if (tape.needs_grad({&x, &weight, &bias})) {
    tape.record("conv_transpose2d", y, [x, weight, bias, y, g, out_height, out_width]() mutable {
      if (x.requires_grad()) {
        std::vector<float> dx(x.numel());
        conv2d_forward(g, y.grad(), weight.data(), nullptr, dx.data());
        add_into(x.grad(), dx);
      }
      if (weight.requires_grad()) {
        std::vector<float> dw(weight.numel());
        conv2d_backward_weight(g, y.grad(), x.data(), dw.data(), nullptr);
        add_into(weight.grad(), dw);
      }
      if (bias.requires_grad()) {
        const size_t plane = size_t(out_height) * out_width;
        const float* gy = y.grad();
        float* gb = bias.grad();
        for (int n = 0; n < g.batch; ++n)
          for (int c = 0; c < g.in_channels; ++c)
            for (size_t p = 0; p < plane; ++p) gb[c] += gy[(size_t(n) * g.in_channels + c) * plane + p];
      }
    });
  }
  return y;
}

}  // namespace untangle
