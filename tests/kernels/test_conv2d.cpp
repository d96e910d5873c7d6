// Fast convolution passes against the direct-loop references: the reference architectures' shapes
// (k4 s2 p1, k2 s2 p0, k4 s2 p2) and random odd shapes, batch sizes that do and do not divide evenly.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "common/conv2d_checks.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/philox.h"

using namespace untangle;

namespace {
void check_against_reference(const Conv2dGeometry& g, PhiloxRng& rng) {
  const size_t x_count = size_t(g.batch) * g.in_channels * g.in_height * g.in_width;
  const size_t w_count = size_t(g.out_channels) * g.in_channels * g.kernel_height * g.kernel_width;
  const size_t y_count = size_t(g.batch) * g.out_channels * g.out_height() * g.out_width();
  auto x = random_vector(x_count, rng), w = random_vector(w_count, rng),
       bias = random_vector(g.out_channels, rng);
  auto dy = random_vector(y_count, rng);
  // Sums of up to C*kh*kw (forward/data) or N*Ho*Wo (weight) terms of size ~1: allow 1e-6 per term.
  const double tolerance_forward = 1e-6 * g.in_channels * g.kernel_height * g.kernel_width + 1e-5;
  const double tolerance_weight = 1e-6 * g.batch * g.out_height() * g.out_width() + 1e-5;

  std::vector<float> y(y_count), y_ref(y_count);
  conv2d_forward(g, x.data(), w.data(), bias.data(), y.data());
  conv2d_forward_reference(g, x.data(), w.data(), bias.data(), y_ref.data());
  CHECK(max_difference(y, y_ref) < tolerance_forward);

  std::vector<float> dx(x_count, 7.0f), dx_ref(x_count);  // 7: the pass must overwrite, not add
  conv2d_backward_data(g, dy.data(), w.data(), dx.data());
  conv2d_backward_data_reference(g, dy.data(), w.data(), dx_ref.data());
  CHECK(max_difference(dx, dx_ref) < tolerance_forward * 4);

  std::vector<float> dw(w_count, 7.0f), dw_ref(w_count), db(g.out_channels), db_ref(g.out_channels);
  conv2d_backward_weight(g, x.data(), dy.data(), dw.data(), db.data());
  conv2d_backward_weight_reference(g, x.data(), dy.data(), dw_ref.data(), db_ref.data());
  CHECK(max_difference(dw, dw_ref) < tolerance_weight);
  CHECK(max_difference(db, db_ref) < tolerance_weight);
}
}  // namespace

TEST_CASE("conv2d passes match the reference on the reference architecture's shapes") {
  PhiloxRng rng(21);
  // (batch, C, H, W, O, k, stride, padding): encoder e1 (C=1 and 3), e2, e3, e4, and the Burgess k4 s2 p2.
  // The last two have batch 1: each group is one image whose dY rows are read where they lie (8 x 8 and
  // 32 x 32 outputs, whole vectors) instead of regrouped.
  const int shapes[][8] = {{5, 1, 64, 64, 32, 4, 2, 1},  {3, 3, 64, 64, 32, 4, 2, 1},
                           {4, 32, 32, 32, 32, 4, 2, 1}, {7, 32, 16, 16, 64, 2, 2, 0},
                           {9, 64, 8, 8, 64, 2, 2, 0},   {3, 32, 64, 64, 32, 4, 2, 2},
                           {1, 3, 16, 16, 5, 4, 2, 1},   {1, 1, 64, 64, 32, 4, 2, 1}};
  for (auto& s : shapes) {
    Conv2dGeometry g{s[0], s[1], s[2], s[3], s[4], s[5], s[5], s[6], s[7]};
    CAPTURE(s[1]);
    CAPTURE(s[2]);
    CAPTURE(s[4]);
    CAPTURE(s[5]);
    check_against_reference(g, rng);
  }
}

TEST_CASE("conv2d passes match the reference on random odd shapes") {
  PhiloxRng rng(22);
  for (int trial = 0; trial < 25; ++trial) {
    const Conv2dGeometry g = random_conv2d_geometry(rng, RandomConv2dLimits{});
    CAPTURE(trial);
    check_against_reference(g, rng);
  }
}

TEST_CASE("conv2d_backward_weight is bit-identical from run to run (chunked partial sums, fixed order)") {
  PhiloxRng rng(23);
  Conv2dGeometry g{64, 8, 16, 16, 16, 4, 4, 2, 1};
  auto x = random_vector(size_t(g.batch) * g.in_channels * g.in_height * g.in_width, rng);
  auto dy = random_vector(size_t(g.batch) * g.out_channels * g.out_height() * g.out_width(), rng);
  std::vector<float> first(size_t(g.out_channels) * g.in_channels * 16), again(first.size());
  std::vector<float> first_bias(g.out_channels), again_bias(g.out_channels);
  conv2d_backward_weight(g, x.data(), dy.data(), first.data(), first_bias.data());
  for (int repeat = 0; repeat < 20; ++repeat) {
    conv2d_backward_weight(g, x.data(), dy.data(), again.data(), again_bias.data());
    REQUIRE(again == first);
    REQUIRE(again_bias == first_bias);  // summed from dY's rows inside the product, in the same order
  }
}

TEST_CASE(
    "conv2d passes match the reference on wide rows (the vector row copies, the lowering through phase "
    "planes) "
    "with and without bias") {
  PhiloxRng rng(24);
  for (int trial = 0; trial < 16; ++trial) {
    Conv2dGeometry g;
    g.batch = 1 + int(rng.next_below(4));
    g.in_channels = 1 + int(rng.next_below(3));
    g.out_channels = 1 + int(rng.next_below(9));
    g.kernel_height = g.kernel_width = 1 + int(rng.next_below(4));
    g.stride =
        1 + int(rng.next_below(3));  // 2 and 3: lowered through phase planes where rows are >= 1 vector
    g.padding = int(rng.next_below(3));
    g.in_height = g.kernel_height + int(rng.next_below(20));
    g.in_width = 33 + int(rng.next_below(48));  // output rows of 16 to 80: whole vectors and ragged ends
    CAPTURE(trial);
    check_against_reference(g, rng);
    // Without a bias the forward pass takes the plain sgemm.
    std::vector<float> x = random_vector(size_t(g.batch) * g.in_channels * g.in_height * g.in_width, rng);
    std::vector<float> w =
        random_vector(size_t(g.out_channels) * g.in_channels * g.kernel_height * g.kernel_width, rng);
    std::vector<float> y(size_t(g.batch) * g.out_channels * g.out_height() * g.out_width(), 7.0f),
        y_ref(y.size());
    conv2d_forward(g, x.data(), w.data(), nullptr, y.data());
    conv2d_forward_reference(g, x.data(), w.data(), nullptr, y_ref.data());
    CHECK(max_difference(y, y_ref) < 1e-6 * g.in_channels * g.kernel_height * g.kernel_width + 1e-5);
  }
}

TEST_CASE("conv2d_forward with the ReLU fused is relu of the plain pass, bit for bit, on every path") {
  PhiloxRng rng(26);
  // im2col with one image per group (batch 1) and with several (regrouped), phase kernels on whole-vector
  // rows (32 -> 16) and on ragged rows (burgess's 33 -> 17), then random shapes.
  std::vector<Conv2dGeometry> geometries = {{1, 3, 16, 16, 5, 4, 4, 2, 1},
                                            {9, 64, 8, 8, 64, 2, 2, 2, 0},
                                            {3, 32, 32, 32, 32, 4, 4, 2, 1},
                                            {2, 32, 33, 33, 32, 4, 4, 2, 2}};
  for (int trial = 0; trial < 12; ++trial)
    geometries.push_back(random_conv2d_geometry(rng, RandomConv2dLimits{}));
  size_t zeroed = 0, outputs = 0;
  for (const Conv2dGeometry& g : geometries) {
    const auto x = random_vector(size_t(g.batch) * g.in_channels * g.in_height * g.in_width, rng);
    const auto w =
        random_vector(size_t(g.out_channels) * g.in_channels * g.kernel_height * g.kernel_width, rng);
    const auto bias = random_vector(g.out_channels, rng);
    const size_t y_count = size_t(g.batch) * g.out_channels * g.out_height() * g.out_width();
    for (const float* b : {bias.data(), static_cast<const float*>(nullptr)}) {
      std::vector<float> plain(y_count), fused(y_count, 7.0f);
      conv2d_forward(g, x.data(), w.data(), b, plain.data());
      conv2d_forward(g, x.data(), w.data(), b, fused.data(), OutputActivation::Relu);
      for (float& v : plain) {
        zeroed += !(v > 0.0f);
        v = v > 0.0f ? v : 0.0f;
      }
      outputs += y_count;
      CAPTURE(g.in_channels);
      CAPTURE(g.in_width);
      CAPTURE(g.out_channels);
      CHECK(fused == plain);
    }
  }
  CHECK(zeroed > outputs / 4);  // both sides of the kink are exercised
  CHECK(zeroed < outputs * 3 / 4);
}

TEST_CASE("conv2d_add_bias and conv2d_bias_gradient: a bias per channel, added and summed") {
  PhiloxRng rng(25);
  const int batch = 3, channels = 5, plane = 37;
  std::vector<float> y = random_vector(size_t(batch) * channels * plane, rng),
                     bias = random_vector(channels, rng);
  std::vector<float> expected = y;
  for (int n = 0; n < batch; ++n)
    for (int c = 0; c < channels; ++c)
      for (int q = 0; q < plane; ++q) expected[(size_t(n) * channels + c) * plane + q] += bias[c];
  conv2d_add_bias(y.data(), bias.data(), batch, channels, plane);
  CHECK(y == expected);  // one addition per element: exact

  std::vector<float> db(channels, 7.0f);
  conv2d_bias_gradient(y.data(), batch, channels, plane, db.data());
  for (int c = 0; c < channels; ++c) {
    double sum = 0;
    for (int n = 0; n < batch; ++n)
      for (int q = 0; q < plane; ++q) sum += y[(size_t(n) * channels + c) * plane + q];
    CHECK(std::abs(db[c] - sum) < 1e-4);
  }
}

TEST_CASE("conv2d_add_bias with the ReLU fused: relu(y + bias), and relu(y) alone without a bias") {
  PhiloxRng rng(27);
  const int batch = 2, channels = 3, plane = 41;
  const std::vector<float> y = random_vector(size_t(batch) * channels * plane, rng),
                           bias = random_vector(channels, rng);
  for (const float* b : {bias.data(), static_cast<const float*>(nullptr)}) {
    std::vector<float> expected = y, got = y;
    for (size_t i = 0; i < expected.size(); ++i) {
      const float v = expected[i] + (b ? b[(i / plane) % channels] : 0.0f);
      expected[i] = v > 0.0f ? v : 0.0f;
    }
    conv2d_add_bias(got.data(), b, batch, channels, plane, OutputActivation::Relu);
    CHECK(got == expected);
  }
}
