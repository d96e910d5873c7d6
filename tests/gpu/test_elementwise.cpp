// Activations, reductions and losses on the GPU against their CPU twins (kernels/cpu/activation.h,
// reduce.h, losses.h) on random inputs.
// Bounds: elementwise 1e-5 (the device's expf/logf/tanhf/log1pf are within a few ulp of the host's, and
// a derivative such as y (1 - y) can lose a few more bits relative to the output's scale); sums 1e-5
// (both sides add in double and round once; the float terms differ by an ulp where a transcendental is
// involved).
#include <doctest/doctest.h>

#include "gpu_test_helpers.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/losses.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cuda/activation.h"
#include "kernels/cuda/losses.h"
#include "kernels/cuda/reduce.h"

using namespace untangle;
using namespace untangle::testing;

namespace {
constexpr double kElementwiseBound = 1e-5;
constexpr double kSumBound = 1e-5;
}  // namespace

TEST_CASE("cuda activations: forward and backward match the CPU") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(731);
  const size_t n = 300007;
  for (Activation f :
       {Activation::Relu, Activation::LeakyRelu, Activation::Sigmoid, Activation::Tanh, Activation::Exp,
        Activation::Log, Activation::Softplus, Activation::Abs, Activation::Square, Activation::Erf}) {
    // log needs positive inputs; the others see both signs and values large enough to saturate sigmoid/tanh.
    auto x = f == Activation::Log ? random_floats(n, rng, 0.01f, 5.0f) : random_floats(n, rng, -6.0f, 6.0f);
    auto dy = random_floats(n, rng), dx = random_floats(n, rng);
    std::vector<float> y(n);
    activation_forward(f, x.data(), y.data(), n);
    auto x_d = to_device(x), dy_d = to_device(dy), dx_d = to_device(dx), y_d = poisoned(n);
    cuda::activation_forward(f, x_d.data(), y_d.data(), n);
    CHECK(report(std::string(activation_name(f)) + " forward", max_relative_error(y_d.to_host(), y),
                 kElementwiseBound) <= kElementwiseBound);
    // Backward from the CPU's y on both sides, so only the derivative is compared.
    y_d.copy_from_host(y);
    activation_backward(f, x.data(), y.data(), dy.data(), dx.data(), n);
    cuda::activation_backward(f, x_d.data(), y_d.data(), dy_d.data(), dx_d.data(), n);
    CHECK(report(std::string(activation_name(f)) + " backward (accumulating)",
                 max_relative_error(dx_d.to_host(), dx), kElementwiseBound) <= kElementwiseBound);
    // And writing (a first gradient): over a poisoned buffer on the GPU, over the old values on the CPU.
    auto fresh_d = poisoned(n);
    activation_backward(f, x.data(), y.data(), dy.data(), dx.data(), n, 0.2f, false);
    cuda::activation_backward(f, x_d.data(), y_d.data(), dy_d.data(), fresh_d.data(), n, 0.2f, false);
    CHECK(report(std::string(activation_name(f)) + " backward (writing)",
                 max_relative_error(fresh_d.to_host(), dx), kElementwiseBound) <= kElementwiseBound);
  }
}

TEST_CASE("cuda reductions: sum over all, rows, columns, logsumexp over rows") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(732);
  const int shapes[][2] = {{1, 1}, {64, 10}, {256, 256}, {3, 100003}, {1000, 7}};
  for (auto& s : shapes) {
    const int rows = s[0], cols = s[1];
    const size_t n = size_t(rows) * cols;
    // Positive values for sum_all so the relative error is not dominated by cancellation in the total.
    auto x = random_floats(n, rng, -3.0f, 3.0f), positive = random_floats(n, rng, 0.0f, 1.0f);
    auto x_d = to_device(x), positive_d = to_device(positive);
    std::vector<float> total(1), by_row(rows), by_column(cols), lse(rows);
    sum_all(positive.data(), n, total.data());
    sum_rows(x.data(), rows, cols, by_row.data());
    sum_columns(x.data(), rows, cols, by_column.data());
    logsumexp_rows(x.data(), rows, cols, lse.data());
    auto total_d = poisoned(1), by_row_d = poisoned(rows), by_column_d = poisoned(cols),
         lse_d = poisoned(rows);
    cuda::sum_all(positive_d.data(), n, total_d.data());
    cuda::sum_rows(x_d.data(), rows, cols, by_row_d.data());
    cuda::sum_columns(x_d.data(), rows, cols, by_column_d.data());
    cuda::logsumexp_rows(x_d.data(), rows, cols, lse_d.data());
    const std::string size = " " + std::to_string(rows) + "x" + std::to_string(cols);
    CHECK(report("sum_all" + size, max_relative_error(total_d.to_host(), total), kSumBound) <= kSumBound);
    CHECK(report("sum_rows" + size, max_relative_error(by_row_d.to_host(), by_row), kSumBound) <= kSumBound);
    CHECK(report("sum_columns" + size, max_relative_error(by_column_d.to_host(), by_column), kSumBound) <=
          kSumBound);
    CHECK(report("logsumexp_rows" + size, max_relative_error(lse_d.to_host(), lse), kSumBound) <= kSumBound);
  }
}

TEST_CASE("cuda reductions along any axis of a 4-D tensor") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(734);
  const int dims[4] = {16, 3, 20, 20};
  auto x = random_floats(16 * 3 * 20 * 20, rng, -3.0f, 3.0f);
  auto x_d = to_device(x);
  for (int axis = 0; axis < 4; ++axis) {
    int outer = 1, inner = 1;
    for (int k = 0; k < axis; ++k) outer *= dims[k];
    for (int k = axis + 1; k < 4; ++k) inner *= dims[k];
    const size_t n = size_t(outer) * inner;
    std::vector<float> sums(n), lse(n);
    sum_axis(x.data(), outer, dims[axis], inner, sums.data());
    logsumexp_axis(x.data(), outer, dims[axis], inner, lse.data());
    auto sums_d = poisoned(n), lse_d = poisoned(n);
    cuda::sum_axis(x_d.data(), outer, dims[axis], inner, sums_d.data());
    cuda::logsumexp_axis(x_d.data(), outer, dims[axis], inner, lse_d.data());
    const std::string what = " over axis " + std::to_string(axis) + " of (16, 3, 20, 20)";
    CHECK(report("sum_axis" + what, max_relative_error(sums_d.to_host(), sums), kSumBound) <= kSumBound);
    CHECK(report("logsumexp_axis" + what, max_relative_error(lse_d.to_host(), lse), kSumBound) <= kSumBound);
  }
}

TEST_CASE("cuda losses: mse, bce_with_logits, gaussian_kl forward and backward") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(733);
  const size_t n = 64 * 3 * 64 * 64;  // a batch of images
  auto p = random_floats(n, rng, -4.0f, 4.0f), t = random_floats(n, rng, 0.0f, 1.0f);
  auto gy = random_floats(n, rng);
  auto p_d = to_device(p), t_d = to_device(t), gy_d = to_device(gy);
  const float mean_scale = 1.0f / float(n);

  // mse
  std::vector<float> loss(n), total(1);
  mse_elementwise(p.data(), t.data(), loss.data(), n);
  mse_sum(p.data(), t.data(), n, mean_scale, total.data());
  auto loss_d = poisoned(n), total_d = poisoned(1);
  cuda::mse_elementwise(p_d.data(), t_d.data(), loss_d.data(), n);
  cuda::mse_sum(p_d.data(), t_d.data(), n, mean_scale, total_d.data());
  CHECK(report("mse elementwise", max_relative_error(loss_d.to_host(), loss), kElementwiseBound) <=
        kElementwiseBound);
  CHECK(report("mse mean", max_relative_error(total_d.to_host(), total), kSumBound) <= kSumBound);
  for (bool per_element : {true, false}) {
    std::vector<float> dp(n, 0.5f), dt(n, -0.25f);
    auto dp_d = to_device(dp), dt_d = to_device(dt);
    const float scale = per_element ? 1.0f : mean_scale;
    mse_backward(p.data(), t.data(), gy.data(), per_element, scale, dp.data(), dt.data(), n);
    cuda::mse_backward(p_d.data(), t_d.data(), gy_d.data(), per_element, scale, dp_d.data(), dt_d.data(), n);
    const double error =
        std::max(max_relative_error(dp_d.to_host(), dp), max_relative_error(dt_d.to_host(), dt));
    CHECK(report(per_element ? "mse backward (per-element gy)" : "mse backward (mean)", error,
                 kElementwiseBound) <= kElementwiseBound);
  }

  // bce_with_logits
  bce_with_logits_elementwise(p.data(), t.data(), loss.data(), n);
  bce_with_logits_sum(p.data(), t.data(), n, 1.0f, total.data());
  cuda::bce_with_logits_elementwise(p_d.data(), t_d.data(), loss_d.data(), n);
  cuda::bce_with_logits_sum(p_d.data(), t_d.data(), n, 1.0f, total_d.data());
  CHECK(report("bce_with_logits elementwise", max_relative_error(loss_d.to_host(), loss),
               kElementwiseBound) <= kElementwiseBound);
  CHECK(report("bce_with_logits sum", max_relative_error(total_d.to_host(), total), kSumBound) <= kSumBound);
  for (bool per_element : {true, false}) {
    std::vector<float> dx(n, 0.5f);
    auto dx_d = to_device(dx);
    bce_with_logits_backward(p.data(), t.data(), gy.data(), per_element, 1.0f, dx.data(), n);
    cuda::bce_with_logits_backward(p_d.data(), t_d.data(), gy_d.data(), per_element, 1.0f, dx_d.data(), n);
    CHECK(report(per_element ? "bce_with_logits backward (per-element gy)" : "bce_with_logits backward (sum)",
                 max_relative_error(dx_d.to_host(), dx), kElementwiseBound) <= kElementwiseBound);
  }

  // gaussian_kl: (256, 10) latents
  const int rows = 256, cols = 10;
  auto mu = random_floats(size_t(rows) * cols, rng, -2.0f, 2.0f),
       logvar = random_floats(size_t(rows) * cols, rng, -3.0f, 1.0f);
  auto row_gy = random_floats(rows, rng);
  std::vector<float> kl(rows), dmu(size_t(rows) * cols, 0.1f), dlogvar(size_t(rows) * cols, 0.2f);
  auto mu_d = to_device(mu), logvar_d = to_device(logvar), row_gy_d = to_device(row_gy),
       kl_d = poisoned(rows);
  auto dmu_d = to_device(dmu), dlogvar_d = to_device(dlogvar);
  gaussian_kl_forward(mu.data(), logvar.data(), rows, cols, kl.data());
  gaussian_kl_backward(mu.data(), logvar.data(), row_gy.data(), rows, cols, dmu.data(), dlogvar.data());
  cuda::gaussian_kl_forward(mu_d.data(), logvar_d.data(), rows, cols, kl_d.data());
  cuda::gaussian_kl_backward(mu_d.data(), logvar_d.data(), row_gy_d.data(), rows, cols, dmu_d.data(),
                             dlogvar_d.data());
  CHECK(report("gaussian_kl forward (256x10)", max_relative_error(kl_d.to_host(), kl), kSumBound) <=
        kSumBound);
  const double error =
      std::max(max_relative_error(dmu_d.to_host(), dmu), max_relative_error(dlogvar_d.to_host(), dlogvar));
  CHECK(report("gaussian_kl backward (256x10)", error, kElementwiseBound) <= kElementwiseBound);
}
