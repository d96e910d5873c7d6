// The phase-plane convolution kernels (kernels/cpu/conv2d_phase.h) against the direct-loop references,
// called directly (whatever conv2d.cpp would dispatch) on random geometries: rows of whole vectors, ragged
// rows (flat runs), weight passes over groups of images; and the dispatch rules on the reference layers.
// The test names start with "conv2d" so that `make sanitize` runs them too.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/conv2d_checks.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/conv2d_phase.h"
#include "kernels/cpu/philox.h"
#include "kernels/cpu/simd.h"

using namespace untangle;

namespace {

constexpr int kV = simd::kFloats;

// A random geometry with out_width = vectors * kV: the input width is solved back from it (plus up to
// stride - 1 columns that no window reaches, which the kernels must skip).
Conv2dGeometry random_whole_vector_geometry(PhiloxRng& rng, int vectors, int out_channels) {
  Conv2dGeometry g;
  g.batch = 1 + int(rng.next_below(4));
  g.in_channels = 1 + int(rng.next_below(5));
  g.out_channels = out_channels;
  g.kernel_height = 1 + int(rng.next_below(5));
  g.kernel_width = 1 + int(rng.next_below(5));
  g.stride = 1 + int(rng.next_below(3));
  g.padding = int(rng.next_below(3));
  const int out_width = vectors * kV, out_height = 1 + int(rng.next_below(6));
  g.in_width = (out_width - 1) * g.stride + g.kernel_width - 2 * g.padding + int(rng.next_below(g.stride));
  g.in_height = (out_height - 1) * g.stride + g.kernel_height - 2 * g.padding + int(rng.next_below(g.stride));
  // Padding wider than the kernel's reach can make the solved size non-positive: grow the image instead.
  while (g.in_width < 1 || g.out_width() != out_width)
    g.in_width += g.stride, g.padding = std::max(0, g.padding - 1);
  while (g.in_height < 1) g.in_height += g.stride;
  return g;
}

struct Tensors {
  std::vector<float> x, w, bias, dy;
  Tensors(const Conv2dGeometry& g, PhiloxRng& rng)
      : x(random_vector(size_t(g.batch) * g.in_channels * g.in_height * g.in_width, rng)),
        w(random_vector(size_t(g.out_channels) * g.in_channels * g.kernel_height * g.kernel_width, rng)),
        bias(random_vector(g.out_channels, rng)),
        dy(random_vector(size_t(g.batch) * g.out_channels * g.out_height() * g.out_width(), rng)) {}
};

std::string describe(const Conv2dGeometry& g) {
  return "batch " + std::to_string(g.batch) + " C " + std::to_string(g.in_channels) + " H " +
         std::to_string(g.in_height) + " W " + std::to_string(g.in_width) + " O " +
         std::to_string(g.out_channels) + " k " + std::to_string(g.kernel_height) + "x" +
         std::to_string(g.kernel_width) + " s " + std::to_string(g.stride) + " p " +
         std::to_string(g.padding);
}

// The forward pass (with `bias`, which may be null) and the backward-data pass against the references.
void check_forward_and_data(const Conv2dGeometry& g, const Tensors& t, const float* bias) {
  std::vector<float> y(t.dy.size(), 7.0f), y_ref(t.dy.size());  // 7: the passes must overwrite
  conv2d_forward_phase(g, t.x.data(), t.w.data(), bias, y.data());
  conv2d_forward_reference(g, t.x.data(), t.w.data(), bias, y_ref.data());
  CHECK(max_difference(y, y_ref) < 1e-6 * g.in_channels * g.kernel_height * g.kernel_width + 1e-5);
  // The fused ReLU, applied in the tiles' registers: relu of the plain pass, bit for bit.
  std::vector<float> fused(t.dy.size(), 7.0f);
  conv2d_forward_phase(g, t.x.data(), t.w.data(), bias, fused.data(), OutputActivation::Relu);
  for (float& v : y) v = v > 0.0f ? v : 0.0f;
  CHECK(fused == y);
  std::vector<float> dx(t.x.size(), 7.0f), dx_ref(t.x.size());
  conv2d_backward_data_phase(g, t.dy.data(), t.w.data(), dx.data());
  conv2d_backward_data_reference(g, t.dy.data(), t.w.data(), dx_ref.data());
  CHECK(max_difference(dx, dx_ref) < 1e-6 * g.out_channels * g.kernel_height * g.kernel_width + 1e-5);
}

}  // namespace

TEST_CASE("conv2d phase kernels: forward and backward data match the reference on random whole-vector rows") {
  PhiloxRng rng(41);
  for (int trial = 0; trial < 40; ++trial) {
    // O from 1 to 20 covers blocks of 8 channels (forward) and the single ones left; C*kh*kw from 1 to 125
    // covers blocks of 8 taps (backward data) and the ones left.
    const Conv2dGeometry g =
        random_whole_vector_geometry(rng, 1 + int(rng.next_below(3)), 1 + int(rng.next_below(20)));
    INFO("trial ", trial, ": ", describe(g));
    REQUIRE(g.out_width() % kV == 0);
    REQUIRE(conv2d_phase_kernels_apply(g));
    Tensors t(g, rng);
    check_forward_and_data(g, t, t.bias.data());
    check_forward_and_data(g, t, nullptr);
  }
}

TEST_CASE("conv2d phase kernels: forward and backward data match the reference on ragged rows (flat runs)") {
  PhiloxRng rng(44);
  for (int trial = 0; trial < 40; ++trial) {
    // Any geometry: rows that are not whole vectors go through flat runs across row ends.
    RandomConv2dLimits limits;
    limits.batch = 3, limits.out_channels = 20, limits.kernel = 5, limits.extra = 39;
    const Conv2dGeometry g = random_conv2d_geometry(rng, limits);
    INFO("trial ", trial, ": ", describe(g));
    Tensors t(g, rng);
    check_forward_and_data(g, t, trial % 2 ? nullptr : t.bias.data());
  }
}

TEST_CASE("conv2d phase kernels: the weight gradient matches the reference, with and without bias") {
  PhiloxRng rng(42);
  for (int trial = 0; trial < 30; ++trial) {
    // O of 1, 2 or 3 vectors: pairs of channel vectors, and single ones.
    const Conv2dGeometry g =
        random_whole_vector_geometry(rng, 1 + int(rng.next_below(2)), kV * (1 + int(rng.next_below(3))));
    INFO("trial ", trial, ": ", describe(g));
    Tensors t(g, rng);
    const double tolerance = 1e-6 * g.batch * g.out_height() * g.out_width() + 1e-5;
    std::vector<float> dw(t.w.size(), 7.0f), dw_ref(t.w.size()), db(g.out_channels, 7.0f),
        db_ref(g.out_channels);
    conv2d_backward_weight_phase(g, t.x.data(), t.dy.data(), dw.data(), db.data());
    conv2d_backward_weight_reference(g, t.x.data(), t.dy.data(), dw_ref.data(), db_ref.data());
    CHECK(max_difference(dw, dw_ref) < tolerance);
    CHECK(max_difference(db, db_ref) < tolerance);
    std::vector<float> dw_only(t.w.size(), 7.0f);
    conv2d_backward_weight_phase(g, t.x.data(), t.dy.data(), dw_only.data(), nullptr);
    CHECK(dw_only == dw);  // the bias's sums are separate: leaving them out changes nothing else
  }
}

TEST_CASE("conv2d phase kernels: the weight gradient over groups of several images, the last one short") {
  // Small images: a group holds an equal share of the batch per thread (up to 256 KiB of planes and
  // transposed dy), so with 2 to 8 threads (CI has 2) 37 images make groups of 5 to 19 and a shorter last
  // one; with 1 thread, one group of 37.
  PhiloxRng rng(45);
  const Conv2dGeometry g{37, 2, 8, 8, kV, 3, 3, 1, 1};
  Tensors t(g, rng);
  std::vector<float> dw(t.w.size()), dw_ref(t.w.size()), db(g.out_channels), db_ref(g.out_channels);
  conv2d_backward_weight_phase(g, t.x.data(), t.dy.data(), dw.data(), db.data());
  conv2d_backward_weight_reference(g, t.x.data(), t.dy.data(), dw_ref.data(), db_ref.data());
  const double tolerance = 1e-6 * g.batch * g.out_height() * g.out_width() + 1e-5;
  CHECK(max_difference(dw, dw_ref) < tolerance);
  CHECK(max_difference(db, db_ref) < tolerance);
}

TEST_CASE("conv2d phase kernels: the weight kernel refuses output channels that are not whole vectors") {
  PhiloxRng rng(46);
  const Conv2dGeometry g{2, 1, 8, 8, kV + 4, 3, 3, 1, 1};
  Tensors t(g, rng);
  std::vector<float> dw(t.w.size()), db(g.out_channels);
  CHECK_THROWS(conv2d_backward_weight_phase(g, t.x.data(), t.dy.data(), dw.data(), db.data()));
}

TEST_CASE("conv2d phase kernels: the weight gradient is bit-identical from run to run") {
  PhiloxRng rng(43);
  const Conv2dGeometry g{16, 32, 32, 32, 32, 4, 4, 2, 1};  // the dislib encoder's second layer
  REQUIRE(conv2d_phase_weight_kernel_applies(g));
  Tensors t(g, rng);
  std::vector<float> first(t.w.size()), again(t.w.size());
  conv2d_backward_weight(g, t.x.data(), t.dy.data(), first.data(), nullptr);
  for (int repeat = 0; repeat < 10; ++repeat) {
    conv2d_backward_weight(g, t.x.data(), t.dy.data(), again.data(), nullptr);
    REQUIRE(again == first);
  }
}

TEST_CASE("conv2d phase kernels: which layers of the reference architecture they serve") {
  // (C, H, O, k, s, p) at batch 64 for each convolution geometry of the dislib encoder and decoder (a
  // transposed layer is listed as the convolution whose passes it runs).
  auto geometry = [](int C, int H, int O, int k, int s, int p) {
    return Conv2dGeometry{64, C, H, H, O, k, k, s, p};
  };
  const Conv2dGeometry conv1 = geometry(1, 64, 32, 4, 2, 1);   // and deconv4 (32 -> 1, 32x32 -> 64x64)
  const Conv2dGeometry conv2 = geometry(32, 32, 32, 4, 2, 1);  // and deconv3
  const Conv2dGeometry conv3 = geometry(32, 16, 64, 2, 2, 0);
  const Conv2dGeometry conv4 = geometry(64, 8, 64, 2, 2, 0);
  // Rows of 32 and 16 output pixels are whole vectors for 16-, 8- and 4-float vectors alike.
  CHECK(conv2d_phase_kernels_apply(conv1));
  CHECK(conv2d_phase_kernels_apply(conv2));
  CHECK(conv2d_phase_kernels_apply(conv3) == (8 % kV == 0));
  CHECK(conv2d_phase_kernels_apply(conv4) == (4 % kV == 0));
  // The weight gradient: for 512 taps and 64 pixels or more per image (conv2; deconv2's geometry, 32 -> 64
  // channels at 16 -> 8), not for 16 taps (conv1), 128 (conv3) or 16 pixels (conv4).
  CHECK(conv2d_phase_weight_kernel_applies(conv2));
  CHECK(conv2d_phase_weight_kernel_applies(geometry(32, 16, 64, 4, 2, 1)));
  CHECK_FALSE(conv2d_phase_weight_kernel_applies(conv1));
  CHECK_FALSE(conv2d_phase_weight_kernel_applies(conv3));
  CHECK_FALSE(conv2d_phase_weight_kernel_applies(conv4));
  // Burgess's k4 s2 p2 layers have ragged rows (33, 17, 9, 5): flat runs for the deep 33 -> 17 layer only.
  CHECK(conv2d_phase_kernels_apply(geometry(32, 33, 32, 4, 2, 2)));
  CHECK_FALSE(conv2d_phase_kernels_apply(geometry(1, 64, 32, 4, 2, 2)));
  CHECK_FALSE(conv2d_phase_kernels_apply(geometry(32, 17, 64, 4, 2, 2)));
}
