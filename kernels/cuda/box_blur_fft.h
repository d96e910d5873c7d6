// The cuFFT box blur of kernels/cuda/box_blur.h as an object: its plans and buffers for one shape, made
// once (creating cuFFT plans is slow) and run every step. Tests and benchmarks use it directly; the
// autograd layer goes through box_blur_planes, which keeps one of these per shape.
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

}  // namespace untangle::cuda
