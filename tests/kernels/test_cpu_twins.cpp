// The raw CPU kernels that the CUDA kernels are tested against (kernels/cpu/activation.h, broadcast.h,
// copy.h, reduce.h, losses.h) must compute exactly what the autograd ops compute: here each is compared with its op
// (values, and gradients through the tape) on random inputs. Bound 1e-6 of the output's scale: the same
// formulas, but written twice, so the compiler may fuse multiply-adds differently.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/ops.h"
#include "core/check.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/broadcast.h"
#include "kernels/cpu/copy.h"
#include "kernels/cpu/losses.h"
#include "kernels/cpu/reduce.h"

using namespace untangle;

namespace {

Tensor random_tensor(const Shape& shape, PhiloxRng& rng, float low, float high) {
  Tensor t = Tensor::zeros(shape);
  rng.fill_uniform(t.data(), t.numel(), low, high);
  return t;
}

double relative_error(const float* a, const float* b, size_t n) {
  double worst = 0.0, scale = 1e-30;
  for (size_t i = 0; i < n; ++i) {
    worst = std::max(worst, std::abs(double(a[i]) - double(b[i])));
    scale = std::max(scale, std::abs(double(b[i])));
  }
  return worst / scale;
}

constexpr double kBound = 1e-6;

}  // namespace

TEST_CASE("cpu activation kernels match the autograd ops, forward and backward") {
  PhiloxRng rng(801);
  using Op = Tensor (*)(Tape&, const Tensor&);
  const std::pair<Activation, Op> pairs[] = {
      {Activation::Relu, relu},         {Activation::Sigmoid, sigmoid},   {Activation::Tanh, untangle::tanh},
      {Activation::Exp, untangle::exp}, {Activation::Log, untangle::log}, {Activation::Softplus, softplus},
      {Activation::Abs, untangle::abs}, {Activation::Square, square},     {Activation::Erf, untangle::erf}};
  for (auto [f, op] : pairs) {
    Tensor x = f == Activation::Log ? random_tensor({7, 13}, rng, 0.05f, 4.0f) : random_tensor({7, 13}, rng, -5.0f, 5.0f);
    Tensor upstream = random_tensor({7, 13}, rng, -1.0f, 1.0f);
    x.set_requires_grad(true);
    Tape tape;
    Tensor y = op(tape, x);
    tape.backward(sum(tape, mul(tape, y, upstream)));  // x.grad = upstream * f'(x)

    std::vector<float> y_kernel(x.numel()), dx_kernel(x.numel(), 0.0f);
    activation_forward(f, x.data(), y_kernel.data(), x.numel());
    activation_backward(f, x.data(), y_kernel.data(), upstream.data(), dx_kernel.data(), x.numel());
    INFO(activation_name(f));
    CHECK(relative_error(y_kernel.data(), y.data(), x.numel()) <= kBound);
    CHECK(relative_error(dx_kernel.data(), x.grad(), x.numel()) <= kBound);
  }
  // leaky_relu with its slope argument
  Tensor x = random_tensor({50}, rng, -2.0f, 2.0f);
  Tape tape = Tape::evaluation();
  Tensor y = leaky_relu(tape, x, 0.3f);
  std::vector<float> y_kernel(50);
  activation_forward(Activation::LeakyRelu, x.data(), y_kernel.data(), 50, 0.3f);
  CHECK(relative_error(y_kernel.data(), y.data(), 50) <= kBound);
}

TEST_CASE("cpu reduction kernels match sum, sum over an axis and logsumexp") {
  PhiloxRng rng(802);
  Tape tape = Tape::evaluation();
  Tensor x = random_tensor({37, 23}, rng, -3.0f, 3.0f);
  std::vector<float> total(1), rows(37), columns(23), lse(37);
  sum_all(x.data(), x.numel(), total.data());
  sum_rows(x.data(), 37, 23, rows.data());
  sum_columns(x.data(), 37, 23, columns.data());
  logsumexp_rows(x.data(), 37, 23, lse.data());
  CHECK(relative_error(total.data(), sum(tape, x).data(), 1) <= kBound);
  CHECK(relative_error(rows.data(), sum(tape, x, 1).data(), 37) <= kBound);
  CHECK(relative_error(columns.data(), sum(tape, x, 0).data(), 23) <= kBound);
  CHECK(relative_error(lse.data(), logsumexp(tape, x, 1).data(), 37) <= kBound);

  Tensor t = random_tensor({4, 3, 5, 6}, rng, -3.0f, 3.0f);
  const int dims[4] = {4, 3, 5, 6};
  for (int axis = 0; axis < 4; ++axis) {
    int outer = 1, inner = 1;
    for (int k = 0; k < axis; ++k) outer *= dims[k];
    for (int k = axis + 1; k < 4; ++k) inner *= dims[k];
    std::vector<float> sums(size_t(outer) * inner), lse(sums.size());
    sum_axis(t.data(), outer, dims[axis], inner, sums.data());
    logsumexp_axis(t.data(), outer, dims[axis], inner, lse.data());
    INFO("axis " << axis);
    CHECK(relative_error(sums.data(), sum(tape, t, axis).data(), sums.size()) <= kBound);
    CHECK(relative_error(lse.data(), logsumexp(tape, t, axis).data(), lse.size()) <= kBound);
  }
}

TEST_CASE("cpu loss kernels match mse, bce_with_logits and gaussian_kl with their gradients") {
  PhiloxRng rng(803);
  const Shape shape{4, 3, 5, 5};
  Tensor p = random_tensor(shape, rng, -3.0f, 3.0f), t = random_tensor(shape, rng, 0.0f, 1.0f);
  const size_t n = p.numel();
  const float mean_scale = 1.0f / float(n);
  p.set_requires_grad(true);
  t.set_requires_grad(true);

  {  // mse, mean: both inputs get gradients
    Tape tape;
    Tensor loss = mse(tape, p, t, Reduction::Mean);
    tape.backward(loss);
    std::vector<float> value(1), dp(n, 0.0f), dt(n, 0.0f), one{1.0f};
    mse_sum(p.data(), t.data(), n, mean_scale, value.data());
    mse_backward(p.data(), t.data(), one.data(), false, mean_scale, dp.data(), dt.data(), n);
    CHECK(relative_error(value.data(), loss.data(), 1) <= kBound);
    CHECK(relative_error(dp.data(), p.grad(), n) <= kBound);
    CHECK(relative_error(dt.data(), t.grad(), n) <= kBound);
  }
  {  // bce_with_logits, no reduction, upstream gradient per element
    p.zero_grad();
    Tape tape;
    Tensor loss = bce_with_logits(tape, p, t, Reduction::None);
    Tensor upstream = random_tensor(shape, rng, -1.0f, 1.0f);
    tape.backward(sum(tape, mul(tape, loss, upstream)));
    std::vector<float> value(n), dp(n, 0.0f);
    bce_with_logits_elementwise(p.data(), t.data(), value.data(), n);
    bce_with_logits_backward(p.data(), t.data(), upstream.data(), true, 1.0f, dp.data(), n);
    CHECK(relative_error(value.data(), loss.data(), n) <= kBound);
    CHECK(relative_error(dp.data(), p.grad(), n) <= kBound);
    std::vector<float> total(1);
    bce_with_logits_sum(p.data(), t.data(), n, 1.0f, total.data());
    Tape evaluation = Tape::evaluation();
    CHECK(relative_error(total.data(), bce_with_logits(evaluation, p, t, Reduction::Sum).data(), 1) <= kBound);
  }
  {  // gaussian_kl per row
    Tensor mu = random_tensor({6, 10}, rng, -2.0f, 2.0f), logvar = random_tensor({6, 10}, rng, -3.0f, 1.0f);
    Tensor upstream = random_tensor({6}, rng, -1.0f, 1.0f);
    mu.set_requires_grad(true);
    logvar.set_requires_grad(true);
    Tape tape;
    Tensor kl = gaussian_kl(tape, mu, logvar);
    tape.backward(sum(tape, mul(tape, kl, upstream)));
    std::vector<float> value(6), dmu(60, 0.0f), dlogvar(60, 0.0f);
    gaussian_kl_forward(mu.data(), logvar.data(), 6, 10, value.data());
    gaussian_kl_backward(mu.data(), logvar.data(), upstream.data(), 6, 10, dmu.data(), dlogvar.data());
    CHECK(relative_error(value.data(), kl.data(), 6) <= kBound);
    CHECK(relative_error(dmu.data(), mu.grad(), 60) <= kBound);
    CHECK(relative_error(dlogvar.data(), logvar.grad(), 60) <= kBound);
  }
}

TEST_CASE("cpu broadcasting kernels match add/sub/mul/div with their gradients") {
  PhiloxRng rng(804);
  using Op = Tensor (*)(Tape&, const Tensor&, const Tensor&);
  const std::pair<BinaryOp, Op> pairs[] = {
      {BinaryOp::Add, add}, {BinaryOp::Sub, sub}, {BinaryOp::Mul, mul}, {BinaryOp::Div, untangle::div}};
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{4, 3}, {4, 3}}, {{4, 3}, {}}, {{6, 5}, {5}}, {{2, 3, 4, 4}, {1, 3, 1, 1}}, {{3, 1}, {2, 1, 4}}};
  for (auto [kernel_op, op] : pairs)
    for (const auto& [a_shape, b_shape] : cases) {
      Tensor a = random_tensor(a_shape, rng, -1.0f, 1.0f), b = random_tensor(b_shape, rng, 0.5f, 2.0f);
      a.set_requires_grad(true);
      b.set_requires_grad(true);
      Tape tape;
      Tensor out = op(tape, a, b);
      Tensor upstream = random_tensor(out.shape(), rng, -1.0f, 1.0f);
      tape.backward(sum(tape, mul(tape, out, upstream)));

      const Broadcast plan = plan_broadcast(a_shape, b_shape);  // Shape is std::vector<int>
      CHECK(plan.out_shape() == out.shape());
      std::vector<float> value(plan.count()), da(a.numel(), 0.0f), db(b.numel(), 0.0f);
      binary_forward(kernel_op, plan, a.data(), b.data(), value.data());
      binary_backward(kernel_op, plan, a.data(), b.data(), upstream.data(), da.data(), db.data());
      INFO(binary_op_name(kernel_op));
      CHECK(relative_error(value.data(), out.data(), out.numel()) <= kBound);
      CHECK(relative_error(da.data(), a.grad(), a.numel()) <= kBound);
      CHECK(relative_error(db.data(), b.grad(), b.numel()) <= kBound);
    }
  CHECK_THROWS_AS(plan_broadcast({3, 4}, {5}), Error);
}

TEST_CASE("cpu copy kernels match concat, slice, shuffle_columns and permute_rows") {
  PhiloxRng rng(805);
  Tensor a = random_tensor({2, 3, 4}, rng, -1.0f, 1.0f), b = random_tensor({2, 5, 4}, rng, -1.0f, 1.0f);
  Tape tape = Tape::evaluation();
  Tensor joined = concat(tape, {a, b}, 1);  // (2, 8, 4)
  std::vector<float> out(joined.numel());
  copy_strided_rows(a.data(), 12, 0, out.data(), 32, 0, 2, 12, false);
  copy_strided_rows(b.data(), 20, 0, out.data(), 32, 12, 2, 20, false);
  CHECK(out == std::vector<float>(joined.data(), joined.data() + joined.numel()));

  Tensor part = slice(tape, joined, 1, 2, 5);  // channels 2..4: (2, 3, 4)
  std::vector<float> sliced(part.numel());
  copy_strided_rows(joined.data(), 32, 8, sliced.data(), 12, 0, 2, 12, false);
  CHECK(sliced == std::vector<float>(part.data(), part.data() + part.numel()));

  // shuffle_columns draws its permutations from the generator; rebuild them from a copy of it the same
  // way (Fisher-Yates per column) and check the gather against the op.
  Tensor z = random_tensor({6, 3}, rng, -1.0f, 1.0f);
  PhiloxRng for_op(99), for_kernel(99);
  Tensor shuffled = shuffle_columns(tape, z, for_op);
  std::vector<int> source(18);
  for (int j = 0; j < 3; ++j) {
    int* perm = source.data() + j * 6;
    for (int i = 0; i < 6; ++i) perm[i] = i;
    for (int i = 5; i > 0; --i) std::swap(perm[i], perm[for_kernel.next_below(uint64_t(i) + 1)]);
  }
  std::vector<float> gathered(18);
  gather_columns(z.data(), source.data(), 6, 3, gathered.data());
  CHECK(gathered == std::vector<float>(shuffled.data(), shuffled.data() + 18));
  std::vector<float> d_z(18, 0.0f), ones(18, 1.0f);
  scatter_add_columns(ones.data(), source.data(), 6, 3, d_z.data());
  CHECK(d_z == ones);  // a permutation sends each gradient element to exactly one place

  // permute_rows: the same gather with one permutation (drawn the same way, once) in every column.
  PhiloxRng rows_for_op(98), rows_for_kernel(98);
  Tensor permuted = permute_rows(tape, z, rows_for_op);
  int rows[6] = {0, 1, 2, 3, 4, 5};
  for (int i = 5; i > 0; --i) std::swap(rows[i], rows[rows_for_kernel.next_below(uint64_t(i) + 1)]);
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 6; ++i) source[size_t(j) * 6 + i] = rows[i];
  gather_columns(z.data(), source.data(), 6, 3, gathered.data());
  CHECK(gathered == std::vector<float>(permuted.data(), permuted.data() + 18));
  CHECK(rows_for_op.counter() == rows_for_kernel.counter());
}
