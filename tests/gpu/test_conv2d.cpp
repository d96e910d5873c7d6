// The three CUDA convolution passes against the CPU's (kernels/cpu/conv2d.h, itself tested against the
// direct loops) on the reference architectures' layer shapes at batch 64 and 256, with 1 and 3 image
// channels, and on a few odd shapes (stride 1, odd kernels, non-square images, sizes that do not fill a
// tile).
//
// Bound 1e-4 for all three passes: forward and backward-data sum at most C*kh*kw = 1024 products; the
// weight gradient sums N*Ho*Wo (up to 262144) products, but in float runs of at most a few thousand
// (one split-K chunk), whose partials are then added in order, so float32 error stays near 1e-6 of the
// output's scale on random inputs. The CPU side has float error of the same size.
#include <doctest/doctest.h>

#include <string>

#include "gpu_test_helpers.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cuda/conv2d.h"

using namespace untangle;
using namespace untangle::testing;

namespace {

std::string describe(const char* pass, const Conv2dGeometry& g) {
  char text[160];
  std::snprintf(text, sizeof text, "%s B%d %d->%d %dx%d k%dx%d s%d p%d", pass, g.batch, g.in_channels,
                g.out_channels, g.in_height, g.in_width, g.kernel_height, g.kernel_width, g.stride,
                g.padding);
  return text;
}

void check_conv_passes(const Conv2dGeometry& g, PhiloxRng& rng) {
  const double bound = 1e-4;
  const size_t x_count = size_t(g.batch) * g.in_channels * g.in_height * g.in_width;
  const size_t w_count = size_t(g.out_channels) * g.in_channels * g.kernel_height * g.kernel_width;
  const size_t y_count = size_t(g.batch) * g.out_channels * g.out_height() * g.out_width();
  auto x = random_floats(x_count, rng), w = random_floats(w_count, rng),
       bias = random_floats(g.out_channels, rng);
  auto dy = random_floats(y_count, rng);
  auto x_d = to_device(x), w_d = to_device(w), bias_d = to_device(bias), dy_d = to_device(dy);

  std::vector<float> y(y_count);
  conv2d_forward(g, x.data(), w.data(), bias.data(), y.data());
  auto y_d = poisoned(y_count);
  cuda::conv2d_forward(g, x_d.data(), w_d.data(), bias_d.data(), y_d.data());
  CHECK(report(describe("conv2d_forward", g), max_relative_error(y_d.to_host(), y), bound) <= bound);
  // With the ReLU fused into the store; the transposed convolution's bias and ReLU, one pass over y.
  std::vector<float> y_relu(y_count);
  conv2d_forward(g, x.data(), w.data(), bias.data(), y_relu.data(), OutputActivation::Relu);
  auto y_relu_d = poisoned(y_count);
  cuda::conv2d_forward(g, x_d.data(), w_d.data(), bias_d.data(), y_relu_d.data(), OutputActivation::Relu);
  CHECK(report(describe("conv2d_forward+relu", g), max_relative_error(y_relu_d.to_host(), y_relu), bound) <=
        bound);
  std::vector<float> relu_only = y;  // no bias: the ReLU alone
  auto relu_only_d = to_device(y);
  conv2d_add_bias(relu_only.data(), nullptr, g.batch, g.out_channels, g.out_height() * g.out_width(),
                  OutputActivation::Relu);
  cuda::conv2d_add_bias(relu_only_d.data(), nullptr, g.batch, g.out_channels, g.out_height() * g.out_width(),
                        OutputActivation::Relu);
  CHECK(report(describe("conv2d_add_bias relu alone", g),
               max_relative_error(relu_only_d.to_host(), relu_only), bound) <= bound);
  conv2d_add_bias(y.data(), bias.data(), g.batch, g.out_channels, g.out_height() * g.out_width(),
                  OutputActivation::Relu);
  cuda::conv2d_add_bias(y_d.data(), bias_d.data(), g.batch, g.out_channels, g.out_height() * g.out_width(),
                        OutputActivation::Relu);
  CHECK(report(describe("conv2d_add_bias+relu", g), max_relative_error(y_d.to_host(), y), bound) <= bound);

  std::vector<float> dx(x_count);
  conv2d_backward_data(g, dy.data(), w.data(), dx.data());
  auto dx_d = poisoned(x_count);
  cuda::conv2d_backward_data(g, dy_d.data(), w_d.data(), dx_d.data());
  CHECK(report(describe("conv2d_backward_data", g), max_relative_error(dx_d.to_host(), dx), bound) <= bound);
  auto dx_gather_d = poisoned(x_count);  // the first (gather) version, kept as a reference
  cuda::conv2d_backward_data_gather(g, dy_d.data(), w_d.data(), dx_gather_d.data());
  CHECK(report(describe("conv2d_backward_data_gather", g), max_relative_error(dx_gather_d.to_host(), dx),
               bound) <= bound);

  std::vector<float> dw(w_count), dbias(g.out_channels);
  conv2d_backward_weight(g, x.data(), dy.data(), dw.data(), dbias.data());
  auto dw_d = poisoned(w_count), dbias_d = poisoned(size_t(g.out_channels));
  cuda::DeviceBuffer<float> workspace(cuda::conv2d_backward_weight_workspace_floats(g));
  cuda::conv2d_backward_weight(g, x_d.data(), dy_d.data(), dw_d.data(), dbias_d.data(), workspace.data());
  CHECK(report(describe("conv2d_backward_weight", g), max_relative_error(dw_d.to_host(), dw), bound) <=
        bound);
  CHECK(report(describe("conv2d_backward_bias", g), max_relative_error(dbias_d.to_host(), dbias), bound) <=
        bound);

  // The transposed convolution's bias gradient (a channel sum of dy) against its CPU twin.
  std::vector<float> channel_sums(g.out_channels);
  conv2d_bias_gradient(dy.data(), g.batch, g.out_channels, g.out_height() * g.out_width(),
                       channel_sums.data());
  auto channel_sums_d = poisoned(size_t(g.out_channels));
  cuda::conv2d_bias_gradient(dy_d.data(), g.batch, g.out_channels, g.out_height() * g.out_width(),
                             channel_sums_d.data());
  CHECK(report(describe("conv2d_bias_gradient", g),
               max_relative_error(channel_sums_d.to_host(), channel_sums), bound) <= bound);
  // Deterministic: a second run of the weight gradient gives the same bits.
  auto dw_first = dw_d.to_host();
  cuda::conv2d_backward_weight(g, x_d.data(), dy_d.data(), dw_d.data(), nullptr, workspace.data());
  CHECK(dw_d.to_host() == dw_first);
}

Conv2dGeometry geometry(int batch, int channels, int size, int out_channels, int kernel, int stride,
                        int padding) {
  return Conv2dGeometry{batch, channels, size, size, out_channels, kernel, kernel, stride, padding};
}

}  // namespace

TEST_CASE(
    "cuda conv2d: encoder layers (k4 s2 p1, k4 s2 p2, k2 s2 p0) at batch 64 and 256, 1 and 3 channels") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(701);
  for (int batch : gpu_or_emulated<std::vector<int>>({64, 256}, {2})) {
    for (int channels : {1, 3}) {
      check_conv_passes(geometry(batch, channels, 64, 32, 4, 2, 1), rng);  // Burgess / dlib first layer
      check_conv_passes(geometry(batch, channels, 64, 32, 4, 2, 2), rng);  // disent conv64: 64 -> 33
    }
    check_conv_passes(geometry(batch, 32, 32, 32, 4, 2, 1), rng);
    check_conv_passes(geometry(batch, 32, 16, 64, 4, 2, 1), rng);
    check_conv_passes(geometry(batch, 64, 8, 64, 4, 2, 1), rng);
    check_conv_passes(geometry(batch, 32, 33, 32, 4, 2, 2), rng);  // 33 -> 17
    check_conv_passes(geometry(batch, 32, 17, 64, 4, 2, 2), rng);  // 17 -> 9
    check_conv_passes(geometry(batch, 64, 9, 64, 4, 2, 2), rng);   // 9 -> 5
    check_conv_passes(geometry(batch, 32, 16, 64, 2, 2, 0), rng);  // dlib's k2 layers
    check_conv_passes(geometry(batch, 64, 8, 64, 2, 2, 0), rng);
  }
}

TEST_CASE("cuda conv2d: decoder ConvTranspose k4 s2 p1 layers (their passes are the conv passes swapped)") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(702);
  // A ConvTranspose2d from `in` channels at size s to `out` channels at 2s is the adjoint of the conv
  // from `out` channels at 2s to `in` channels at s: its forward is that conv's backward-data, and so on.
  for (int batch : gpu_or_emulated<std::vector<int>>({64, 256}, {2})) {
    check_conv_passes(geometry(batch, 64, 8, 64, 4, 2, 1), rng);   // ConvT 64 -> 64, 4 -> 8
    check_conv_passes(geometry(batch, 32, 16, 64, 4, 2, 1), rng);  // ConvT 64 -> 32, 8 -> 16
    check_conv_passes(geometry(batch, 32, 32, 32, 4, 2, 1), rng);  // ConvT 32 -> 32, 16 -> 32
    for (int channels : {1, 3})
      check_conv_passes(geometry(batch, channels, 64, 32, 4, 2, 1), rng);  // 32 -> C
  }
}

TEST_CASE("cuda conv2d: odd shapes") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(703);
  check_conv_passes(Conv2dGeometry{3, 5, 13, 7, 9, 3, 3, 1, 1}, rng);
  check_conv_passes(Conv2dGeometry{2, 2, 11, 19, 17, 5, 3, 1, 2}, rng);
  check_conv_passes(Conv2dGeometry{5, 7, 10, 10, 70, 3, 3, 3, 0}, rng);
  check_conv_passes(Conv2dGeometry{1, 1, 5, 5, 1, 1, 1, 1, 0}, rng);
  check_conv_passes(Conv2dGeometry{4, 40, 6, 6, 33, 2, 2, 2, 1}, rng);
  check_conv_passes(Conv2dGeometry{2, 3, 10, 10, 4, 2, 2, 3, 0}, rng);  // kernel < stride: some inputs get 0
  check_conv_passes(Conv2dGeometry{2, 3, 7, 9, 5, 2, 3, 3, 1}, rng);
  // Enough column tiles (17 images of 32 x 32 outputs: 272 tiles of 64 pixels) that the forward pass
  // keeps its 32-row tile (32 output channels) and its 64-row tile (64): the small batches above (and
  // the emulator's batch of 2) only reach the 16-row tile.
  check_conv_passes(geometry(17, 1, 64, 32, 4, 2, 1), rng);
  check_conv_passes(geometry(17, 1, 64, 64, 4, 2, 1), rng);
}
