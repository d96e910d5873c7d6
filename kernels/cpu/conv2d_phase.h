// Direct CPU convolution without im2col, for the larger layers: in the reference architectures the
// 64 -> 32, 32 -> 16 and burgess's 33 -> 17 layers (and the weight gradients of the 16 -> 8 and 17 -> 9
// ones), and through the transposed-convolution identities the decoder's last layers.
//
// Why not im2col there. The lowered matrix has C*kh*kw rows and a column per output pixel: for a stride-2
// 4 x 4 kernel it is 4x the input, written and read again around every product (for the 1-channel layer,
// whose product does only 16 multiply-adds per lowered element, building it cost a fifth of the pass).
// These kernels read the input where it lies instead, after one cheap rearrangement:
//
// Phase planes (phase_layout.h). Splitting the padded image into s*s planes by the remainders of row and
// column turns every tap (c, ky, kx) into a plain shifted view: output pixel (oy, ox) reads row oy + ky/s,
// column ox + kx/s of plane (c, ky%s, kx%s), so a vector of output pixels along a row reads a contiguous
// vector of the view. Each pass is then a product as deep as the GEMM's would be, its lowered operand read
// (or, going back, formed) in registers:
//
// clang-format off
//   forward          y[o][pixels] = bias[o] + sum over taps r of w[o][r] * view_r[pixels]
//                    (pixels in lanes)
//   backward data    view_r[pixels] += sum over o of w[o][r] * dy[o][pixels], into planes of dx,
//                    which are then interleaved back into dx (the adjoint of the split)
//   backward weight  dw[o..][r] = sum over images and pixels of view_r[pixel] * dy[o..][pixel]
//                    (output channels in lanes, from dy transposed per image)
// clang-format on
//
// Rows of whole vectors are covered a row (or two) at a time and stored in place. Ragged rows are covered
// as flat runs: the output is computed at every plane column, so a run crosses row ends in one contiguous
// read of each view, and is copied out row segment by row segment.
//
// Which layers, measured on the reference architectures (conv2d_phase.cpp has the figures): forward and
// backward data for whole-vector rows, and for ragged rows with more than 64 taps and 256 pixels per image;
// the weight gradient with 512 taps or more and 64 pixels per image or more. The im2col path in conv2d.cpp
// keeps the rest: the small late layers (where it groups images into one wide product) and the shallow
// layers' weight gradients.
#pragma once
#include "kernels/cpu/conv2d.h"

namespace untangle {

// Whether the forward and backward-data kernels serve g, and whether the weight kernel does (it also needs
// O to be a multiple of the vector width). conv2d.cpp's passes ask and dispatch.
bool conv2d_phase_kernels_apply(const Conv2dGeometry& g);
bool conv2d_phase_weight_kernel_applies(const Conv2dGeometry& g);

// Same contracts as conv2d_forward, conv2d_backward_data and conv2d_backward_weight (conv2d.h). The forward
// and backward-data kernels take any geometry (the tests call them on any); the weight kernel needs O to be
// a multiple of the vector width (it checks).
void conv2d_forward_phase(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                          float* y, OutputActivation activation = OutputActivation::None);
void conv2d_backward_data_phase(const Conv2dGeometry& g, const float* dy, const float* w, float* dx);
void conv2d_backward_weight_phase(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                                  float* dbias);

}  // namespace untangle
