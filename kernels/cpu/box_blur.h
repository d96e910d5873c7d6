// The box blur on the CPU: each H x W plane is averaged over the (2r+1) x (2r+1) box around each pixel,
// with zeros outside the image and the fixed weight 1/(2r+1)^2 (a 'same' zero-padded convolution, as
// disent's box_r31 kernel). A box is separable, so this is one running-sum pass along rows and one along
// columns, in double: exact up to the final rounding to float.
//
// kernels/cuda/box_blur.h is the GPU twin (through cuFFT, as disent computes it).
#pragma once

namespace untangle {

// in, out: (planes, H, W). out = blur(in), or out += blur(in) when `accumulate` (a backward pass adds
// into the input's gradient; the blur is its own adjoint because the box is symmetric).
void box_blur_planes(const float* in, float* out, long long planes, int height, int width, int radius,
                     bool accumulate);

}  // namespace untangle
