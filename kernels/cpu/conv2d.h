// 2-D convolution on the CPU, NCHW, cross-correlation (as PyTorch and TensorFlow), square stride and
// symmetric zero padding:
//   x: (N, C, H, W), w: (O, C, kh, kw), bias: (O) or null, y: (N, O, Ho, Wo)
//   Ho = (H + 2*padding - kh) / stride + 1, and likewise Wo.
//
// The three passes of training. A transposed convolution is the same three passes with the roles of
// x and y swapped (conv_transpose forward = conv2d_backward_data, and so on; see autograd/ops_conv.cpp).
//
// The fast versions lower a group of images to a matrix (im2col: one column per output pixel, one row
// per (channel, ky, kx)) and multiply it with the weight matrix by sgemm; groups run in parallel over
// the cores. The *_reference versions are direct loops, kept as the ground truth for tests.
#pragma once
#include "kernels/cpu/activation.h"  // OutputActivation

namespace untangle {

struct Conv2dGeometry {
  int batch = 1, in_channels = 1, in_height = 1, in_width = 1;
  int out_channels = 1, kernel_height = 1, kernel_width = 1;
  int stride = 1, padding = 0;

  int out_height() const { return (in_height + 2 * padding - kernel_height) / stride + 1; }
  int out_width() const { return (in_width + 2 * padding - kernel_width) / stride + 1; }
  // Multiply-adds of the forward pass (each backward pass costs the same).
  double multiply_adds() const {
    return double(batch) * out_channels * out_height() * out_width() * in_channels * kernel_height *
           kernel_width;
  }
};

// y = conv(x, w) + bias, then the activation
void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias, float* y,
                    OutputActivation activation = OutputActivation::None);
// dx = d loss / d x given dy (dx is overwritten)
void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w, float* dx);
// dw = d loss / d w and dbias = d loss / d bias given x and dy (both overwritten; dbias may be null)
void conv2d_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                            float* dbias);

// dbias[c] = the sum of dy over the batch and the plane of channel c (dy: (batch, channels, plane));
// overwrites dbias. A convolution's bias gradient, and a transposed convolution's.
void conv2d_bias_gradient(const float* dy, int batch, int channels, int plane, float* dbias);

// y[n, c, :] += bias[c], then the activation, for y: (batch, channels, plane), in one pass: a transposed
// convolution's bias and activation. bias may be null (the activation alone).
void conv2d_add_bias(float* y, const float* bias, int batch, int channels, int plane,
                     OutputActivation activation = OutputActivation::None);

void conv2d_forward_reference(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                              float* y);
void conv2d_backward_data_reference(const Conv2dGeometry& g, const float* dy, const float* w, float* dx);
void conv2d_backward_weight_reference(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                                      float* dbias);

}  // namespace untangle
