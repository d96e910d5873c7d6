// The cuFFT box blur and the direct CUDA blur against the CPU's exact running sums
// (kernels/cpu/box_blur.h), forward and accumulating (backward) form, at the loss's radius 31 on 64 x 64
// images and at small radii and odd sizes.
// Bound 1e-5 for the FFT on inputs in [0, 1] (images): a float FFT of size ~100 x 100 has error of order
// 1e-7 log2(size) of the plane's largest value, and the blurred values are of the same order as the
// inputs. The direct blur adds up to 63^2 floats in sequence: 1e-5 as well.
#include <doctest/doctest.h>

#include "gpu_test_helpers.h"
#include "kernels/cpu/box_blur.h"
#include "kernels/cuda/box_blur.h"
#include "kernels/cuda/box_blur_fft.h"

using namespace untangle;
using namespace untangle::testing;

TEST_CASE("cuda box blur (FFT and direct) matches the CPU running sums") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(741);
  const double bound = 1e-5;
  // (planes, H, W, radius)
  const int cases[][4] = {
      {64 * 3, 64, 64, 31}, {256, 64, 64, 31}, {5, 64, 64, 2}, {3, 17, 29, 4}, {2, 8, 8, 31}};
  for (auto& c : cases) {
    const long long planes = c[0];
    const int H = c[1], W = c[2], r = c[3];
    const size_t n = size_t(planes) * H * W;
    auto x = random_floats(n, rng, 0.0f, 1.0f), base = random_floats(n, rng, 0.0f, 1.0f);
    std::vector<float> y(n), accumulated = base;
    box_blur_planes(x.data(), y.data(), planes, H, W, r, false);
    box_blur_planes(x.data(), accumulated.data(), planes, H, W, r, true);

    auto x_d = to_device(x), y_d = poisoned(n), accumulated_d = to_device(base), direct_d = poisoned(n);
    cuda::BoxBlurFft blur(planes, H, W, r);
    blur.run(x_d.data(), y_d.data(), false);
    blur.run(x_d.data(), accumulated_d.data(), true);
    cuda::box_blur_planes_direct(x_d.data(), direct_d.data(), planes, H, W, r, false);

    char what[96];
    std::snprintf(what, sizeof what, "box blur FFT %lldx%dx%d r%d (FFT %dx%d)", planes, H, W, r,
                  blur.fft_height(), blur.fft_width());
    CHECK(report(what, max_relative_error(y_d.to_host(), y), bound) <= bound);
    CHECK(report(std::string(what) + " +=", max_relative_error(accumulated_d.to_host(), accumulated),
                 bound) <= bound);
    std::snprintf(what, sizeof what, "box blur direct %lldx%dx%d r%d", planes, H, W, r);
    CHECK(report(what, max_relative_error(direct_d.to_host(), y), bound) <= bound);
  }
}
