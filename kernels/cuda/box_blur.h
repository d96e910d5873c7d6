// The box blur on the GPU: twin of kernels/cpu/box_blur.h (each H x W plane averaged over the
// (2r+1) x (2r+1) box around each pixel, zeros outside, weight 1/(2r+1)^2). The fast path goes through
// cuFFT, as disent computes it; box_blur_planes_direct is the naive loop over the window, kept as a second
// reference and as the baseline in bench_kernels. The backward pass is the same blur of the gradient
// (the box is symmetric), run with accumulate = true.
//
// No CUDA headers here: the autograd layer names these calls in every build (kCudaCompiled,
// kernels/device.h). The plan-holding object is kernels/cuda/box_blur_fft.h.
#pragma once

namespace untangle::cuda {

// The twin of the CPU's box_blur_planes: in, out (planes, height, width) device arrays; out = blur(in), or
// out += blur(in) when accumulate. Runs through cuFFT with a plan made on first use of each shape and kept.
void box_blur_planes(const float* in, float* out, long long planes, int height, int width, int radius,
                     bool accumulate);

// One thread per output pixel summing its window directly: (2r+1)^2 loads each.
void box_blur_planes_direct(const float* in, float* out, long long planes, int height, int width, int radius,
                            bool accumulate);

}  // namespace untangle::cuda
