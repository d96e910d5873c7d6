// The box blur of disent's augmented reconstruction loss (disent's frameworks/helper/reconstructions.py;
// docs/models.md): a 'same' zero-padded convolution of each channel with the (2r+1) x (2r+1) kernel whose
// entries are all 1/(2r+1)^2. disent computes it with an FFT at size H+2r (linear, not circular, convolution,
// then a crop); a box is separable, so kernels/cpu/box_blur.cpp uses one running-sum pass along rows and one
// along columns, in double, which is exact up to the final rounding to float. On the GPU it goes through
// cuFFT (kernels/cuda/box_blur.h), as disent does.
//
// Backward: the blur is linear, y = K x, so dL/dx = K^T dL/dy. The kernel is symmetric and the padding
// is zeros on every side, so K^T = K: the backward pass is the same blur applied to the gradient.
#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "core/check.h"
#include "kernels/cpu/box_blur.h"
#include "kernels/cuda/box_blur.h"

namespace untangle {

namespace {

void blur(Device device, const float* in, float* out, long long planes, int H, int W, int radius,
          bool accumulate) {
  on_device(
      device, [&] { cuda::box_blur_planes(in, out, planes, H, W, radius, accumulate); },
      [&] { box_blur_planes(in, out, planes, H, W, radius, accumulate); });
}

}  // namespace

Tensor box_blur(Tape& tape, const Tensor& x, int radius) {
  require(x.rank() == 4, "box_blur: expects (N, C, H, W) images, got ", shape_string(x.shape()));
  require(radius >= 0, "box_blur: radius must be >= 0, got ", radius);
  const int H = x.dim(2), W = x.dim(3);
  const long long planes = (long long)x.dim(0) * x.dim(1);
  const Device device = x.device();
  Tensor y = Tensor::empty(x.shape(), device);
  blur(device, x.storage(), y.storage(), planes, H, W, radius, false);
  if (tape.needs_grad({&x})) {
    tape.record("box_blur", y, [x, y, planes, H, W, radius, device]() {
      blur(device, y.grad_storage(), x.grad_storage(), planes, H, W, radius, true);  // K^T = K
    });
  }
  return y;
}

}  // namespace untangle
