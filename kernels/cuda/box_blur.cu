// Blur by FFT: zero-pad each plane to P x Q, multiply its spectrum by the box's, transform back, crop.
//
// Why P >= H + r (and >= 2r + 1) is enough, rather than the H + 2r of a full linear convolution: the box
// is stored centred at index 0 with negative offsets wrapped to the end (index k mod P for |k| <= r), so
// the circular product at output i sums x[(i + k) mod P] for |k| <= r. For 0 <= i < H those indices are
// i + k in [-r, H - 1 + r]; the ones below 0 wrap to P + i + k >= P - r >= H, and the ones from H to
// H - 1 + r < P are padding, so every term outside the image reads a zero — the 'same' zero-padded result.
// P >= 2r + 1 keeps the wrapped offsets of the box from landing on one another. For 64 x 64 images and
// r = 31 that is 96 (= 2^5 * 3, a fast cuFFT size) instead of 126.
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "kernels/cuda/box_blur.h"
#include "kernels/cuda/box_blur_fft.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/stream.h"

namespace untangle::cuda {

namespace {

// The smallest n >= minimum whose only prime factors are 2, 3, 5, 7 (sizes cuFFT handles fastest).
int fast_fft_size(int minimum) {
  for (int n = minimum;; ++n) {
    int rest = n;
    for (int p : {2, 3, 5, 7})
      while (rest % p == 0) rest /= p;
    if (rest == 1) return n;
  }
}

__global__ void pad_planes(const float* in, float* padded, long long planes, int H, int W, int P, int Q) {
  const size_t total = size_t(planes) * P * Q;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < total;
       i += size_t(gridDim.x) * blockDim.x) {
    const int x = int(i % Q), y = int((i / Q) % P);
    const size_t plane = i / (size_t(P) * Q);
    padded[i] = (y < H && x < W) ? in[(plane * H + y) * W + x] : 0.0f;
  }
}

// spectrum *= box * scale, the box's spectrum shared by every plane. scale = 1 / (P Q) undoes cuFFT's
// unnormalised inverse.
__global__ void multiply_spectra(cufftComplex* spectrum, const cufftComplex* box, size_t per_plane,
                                 size_t total, float scale) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < total;
       i += size_t(gridDim.x) * blockDim.x) {
    const cufftComplex a = spectrum[i], b = box[i % per_plane];
    spectrum[i] = make_cuFloatComplex((a.x * b.x - a.y * b.y) * scale, (a.x * b.y + a.y * b.x) * scale);
  }
}

__global__ void crop_planes(const float* padded, float* out, long long planes, int H, int W, int P, int Q,
                            bool accumulate) {
  const size_t total = size_t(planes) * H * W;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < total;
       i += size_t(gridDim.x) * blockDim.x) {
    const int x = int(i % W), y = int((i / W) % H);
    const size_t plane = i / (size_t(H) * W);
    const float v = padded[(plane * P + y) * Q + x];
    out[i] = accumulate ? out[i] + v : v;
  }
}

__global__ void direct_blur(const float* in, float* out, long long planes, int H, int W, int r, float weight,
                            bool accumulate) {
  const size_t total = size_t(planes) * H * W;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < total;
       i += size_t(gridDim.x) * blockDim.x) {
    const int x = int(i % W), y = int((i / W) % H);
    const float* plane = in + (i / (size_t(H) * W)) * H * W;
    float sum = 0.0f;
    for (int yy = max(y - r, 0); yy <= min(y + r, H - 1); ++yy)
      for (int xx = max(x - r, 0); xx <= min(x + r, W - 1); ++xx) sum += plane[yy * W + xx];
    out[i] = accumulate ? out[i] + sum * weight : sum * weight;
  }
}

}  // namespace

BoxBlurFft::BoxBlurFft(long long planes, int height, int width, int radius)
    : planes_(planes), height_(height), width_(width) {
  const char* op = "cuda::BoxBlurFft";
  require(planes > 0 && height > 0 && width > 0 && radius >= 0, op, ": bad sizes (planes ", planes, ", ",
          height, "x", width, ", radius ", radius, ")");
  fft_height_ = fast_fft_size(std::max(height + radius, 2 * radius + 1));
  fft_width_ = fast_fft_size(std::max(width + radius, 2 * radius + 1));
  const int P = fft_height_, Q = fft_width_, half = Q / 2 + 1;  // a real transform keeps Q/2 + 1 columns
  padded_ = DeviceBuffer<float>(size_t(planes) * P * Q);
  spectrum_ = DeviceBuffer<cufftComplex>(size_t(planes) * P * half);
  box_spectrum_ = DeviceBuffer<cufftComplex>(size_t(P) * half);

  int sizes[2] = {P, Q};
  // A throw below skips the destructor, so the plans are released here on the way out.
  struct ReleaseOnThrow {
    BoxBlurFft* self;
    bool done = false;
    ~ReleaseOnThrow() {
      if (done) return;
      if (self->have_forward_) cufftDestroy(self->forward_);
      if (self->have_inverse_) cufftDestroy(self->inverse_);
    }
  } guard{this};
  UNTANGLE_CUDA_CHECK(
      cufftPlanMany(&forward_, 2, sizes, nullptr, 1, 0, nullptr, 1, 0, CUFFT_R2C, int(planes)), op);
  have_forward_ = true;
  UNTANGLE_CUDA_CHECK(
      cufftPlanMany(&inverse_, 2, sizes, nullptr, 1, 0, nullptr, 1, 0, CUFFT_C2R, int(planes)), op);
  have_inverse_ = true;
  UNTANGLE_CUDA_CHECK(cufftSetStream(forward_, stream()), op);
  UNTANGLE_CUDA_CHECK(cufftSetStream(inverse_, stream()), op);

  // The box's spectrum, once: weight 1/(2r+1)^2 at offsets (dy, dx) in [-r, r]^2, wrapped.
  std::vector<float> box(size_t(P) * Q, 0.0f);
  const float weight = float(1.0 / (double(2 * radius + 1) * double(2 * radius + 1)));
  for (int dy = -radius; dy <= radius; ++dy)
    for (int dx = -radius; dx <= radius; ++dx) box[size_t((dy + P) % P) * Q + (dx + Q) % Q] = weight;
  DeviceBuffer<float> box_image(box);
  cufftHandle single = 0;
  UNTANGLE_CUDA_CHECK(cufftPlan2d(&single, P, Q, CUFFT_R2C), op);
  const cufftResult status = cufftExecR2C(single, box_image.data(), box_spectrum_.data());
  cufftDestroy(single);
  UNTANGLE_CUDA_CHECK(status, op);
  guard.done = true;
}

BoxBlurFft::~BoxBlurFft() {
  if (have_forward_) cufftDestroy(forward_);
  if (have_inverse_) cufftDestroy(inverse_);
}

void BoxBlurFft::run(const float* in, float* out, bool accumulate) {
  const char* op = "cuda::BoxBlurFft::run";
  const int P = fft_height_, Q = fft_width_;
  const size_t per_plane = size_t(P) * (Q / 2 + 1), total = size_t(planes_) * per_plane;
  pad_planes<<<blocks_for(padded_.size()), kThreadsPerBlock, 0, stream()>>>(in, padded_.data(), planes_,
                                                                            height_, width_, P, Q);
  UNTANGLE_CUDA_CHECK_LAUNCH(op);
  UNTANGLE_CUDA_CHECK(cufftExecR2C(forward_, padded_.data(), spectrum_.data()), op);
  multiply_spectra<<<blocks_for(total), kThreadsPerBlock, 0, stream()>>>(
      spectrum_.data(), box_spectrum_.data(), per_plane, total, 1.0f / float(P * Q));
  UNTANGLE_CUDA_CHECK_LAUNCH(op);
  UNTANGLE_CUDA_CHECK(cufftExecC2R(inverse_, spectrum_.data(), padded_.data()), op);
  crop_planes<<<blocks_for(size_t(planes_) * height_ * width_), kThreadsPerBlock, 0, stream()>>>(
      padded_.data(), out, planes_, height_, width_, P, Q, accumulate);
  UNTANGLE_CUDA_CHECK_LAUNCH(op);
}

void box_blur_planes(const float* in, float* out, long long planes, int height, int width, int radius,
                     bool accumulate) {
  // One plan set per shape seen: a training run blurs one batch shape (and its gradient) every step.
  using Shape = std::tuple<long long, int, int, int>;
  static std::mutex guard;
  // Never destroyed (like the stream and the cuBLAS handle): a static destructor would run cuFFT and
  // cudaFree after the CUDA runtime may have shut down.
  static auto* plans = new std::map<Shape, std::unique_ptr<BoxBlurFft>>;
  BoxBlurFft* blur;
  {
    std::lock_guard<std::mutex> lock(guard);
    std::unique_ptr<BoxBlurFft>& slot = (*plans)[Shape{planes, height, width, radius}];
    if (!slot) slot = std::make_unique<BoxBlurFft>(planes, height, width, radius);
    blur = slot.get();
  }
  blur->run(in, out, accumulate);
}

void box_blur_planes_direct(const float* in, float* out, long long planes, int height, int width, int radius,
                            bool accumulate) {
  const size_t total = size_t(planes) * height * width;
  if (total == 0) return;
  const float weight = float(1.0 / (double(2 * radius + 1) * double(2 * radius + 1)));
  direct_blur<<<blocks_for(total), kThreadsPerBlock, 0, stream()>>>(in, out, planes, height, width, radius,
                                                                    weight, accumulate);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::box_blur_planes_direct");
}

}  // namespace untangle::cuda
