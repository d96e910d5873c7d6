// 2-D convolution on the GPU: the three training passes of kernels/cpu/conv2d.h, same geometry, same
// layouts (NCHW, cross-correlation), hand-written (no cuDNN). All pointers are device pointers; the calls
// are asynchronous on cuda::stream().
//   x: (N, C, H, W), w: (O, C, kh, kw), bias: (O) or null, y: (N, O, Ho, Wo)
// A transposed convolution is the same three passes with x and y swapped (see autograd/ops_conv.cpp).
#pragma once
#include <cstddef>

#include "kernels/cpu/conv2d.h"  // Conv2dGeometry

namespace untangle::cuda {

// y = conv(x, w) + bias, then the activation (OutputActivation: kernels/cpu/conv2d.h)
void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias, float* y,
                    OutputActivation activation = OutputActivation::None);
// dx = d loss / d x given dy (overwritten). Split by stride phase so no multiply-add is spent on zeros.
void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w, float* dx);
// The first, simplest version (a gather that multiplies the zero taps of a strided convolution too):
// the reference that conv2d_backward_data is tested against beside the CPU.
void conv2d_backward_data_gather(const Conv2dGeometry& g, const float* dy, const float* w, float* dx);

// The weight gradient sums over every image and output pixel; that long sum is split into chunks computed
// in parallel, each into its own slice of `workspace`, then added in a fixed order (deterministic: no
// atomics). The workspace holds this many floats:
size_t conv2d_backward_weight_workspace_floats(const Conv2dGeometry& g);
// dw = d loss / d w and dbias = d loss / d bias given x and dy (both overwritten; dbias may be null).
void conv2d_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy, float* dw, float* dbias,
                            float* workspace);
// dbias[c] = sum over n and the plane of dy (N, C, plane): the bias gradient alone (overwritten), one block
// per channel (a transposed convolution's bias, whose weight gradient is computed without it).
void conv2d_bias_gradient(const float* dy, int batch, int channels, int plane, float* dbias);
// y[n, c, :] += bias[c] (bias may be null), then the activation: a transposed convolution's bias and
// activation, one pass (the CPU twin: conv2d_add_bias in kernels/cpu/conv2d.h).
void conv2d_add_bias(float* y, const float* bias, int batch, int channels, int plane,
                     OutputActivation activation = OutputActivation::None);

}  // namespace untangle::cuda
