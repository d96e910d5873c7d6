// The box blur on the GPU: twin of kernels/cpu/box_blur.h (each H x W plane averaged over the
// (2r+1) x (2r+1) box around each pixel, zeros outside, weight 1/(2r+1)^2). The fast path goes through
// cuFFT, as disent computes it; box_blur_planes_direct is the naive loop over the window, kept as a second
// reference and as the baseline in bench_kernels. The backward pass is the same blur of the gradient
// (the box is symmetric), run with accumulate = true.
#pragma once
#include "kernels/cuda/cuda_check.h"

namespace untangle::cuda {

// Plans and buffers for blurring `planes` planes of height x width with one radius. Creating cuFFT plans
// is slow, so a training loop makes this once and calls run() every step.
class BoxBlurFft {
 public:
  BoxBlurFft(long long planes, int height, int width, int radius);
  ~BoxBlurFft();
  BoxBlurFft(const BoxBlurFft&) = delete;
  BoxBlurFft& operator=(const BoxBlurFft&) = delete;

  // in, out: (planes, height, width) device arrays. out = blur(in), or out += blur(in) when accumulate.
  void run(const float* in, float* out, bool accumulate);
  int fft_height() const { return fft_height_; }
  int fft_width() const { return fft_width_; }

 private:
  long long planes_;
  int height_, width_, fft_height_, fft_width_;
  cufftHandle forward_ = 0, inverse_ = 0;
  bool have_forward_ = false, have_inverse_ = false;  // a handle's value says nothing (0 may be valid)
  DeviceBuffer<float> padded_;
  DeviceBuffer<cufftComplex> spectrum_, box_spectrum_;
};

// One thread per output pixel summing its window directly: (2r+1)^2 loads each.
void box_blur_planes_direct(const float* in, float* out, long long planes, int height, int width, int radius,
                            bool accumulate);

}  // namespace untangle::cuda
