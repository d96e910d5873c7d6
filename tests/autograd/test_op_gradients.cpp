// Finite-difference gradient checks for every op, on random shapes (the "every op x random shape" sweep
// of ggml's test-backend-ops, on the CPU backend). A new op gets a line here.
#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "test_helpers.h"

using namespace untangle;
using namespace untangle::testing;

namespace {

void expect_gradients(const std::string& op, const TensorFunction& f, std::vector<Tensor> inputs,
                      GradcheckOptions options = {}) {
  for (Tensor& t : inputs) t.set_requires_grad(true);
  GradcheckResult result = gradcheck(f, inputs, options);
  INFO(op << ": worst " << result.worst_location << " (error " << result.worst_error << " of tolerance)");
  CHECK(result.checked > 0);
  CHECK(result.passed);
}


}  // namespace

TEST_CASE("gradients of the broadcasting arithmetic ops") {
  PhiloxRng rng(101);
  using Binary = Tensor (*)(Tape&, const Tensor&, const Tensor&);
  const std::pair<const char*, Binary> ops[] = {{"add", add}, {"sub", sub}, {"mul", mul}, {"div", div}};
  for (auto [name, op] : ops) {
    for (int trial = 0; trial < 3; ++trial) {
      Shape a_shape = random_shape(rng);
      // Same shape, a one-element scalar, and the trailing dimensions (per-row broadcast).
      Shape scalar_shape{};
      Shape tail(a_shape.begin() + 1, a_shape.end());
      for (const Shape& b_shape : {a_shape, scalar_shape, tail}) {
        Tensor a = random_away_from_zero(a_shape, rng);
        Tensor b = random_tensor(b_shape, rng, 0.5f, 1.5f);  // positive: keeps div away from 0
        CAPTURE(shape_string(a_shape));
        CAPTURE(shape_string(b_shape));
        expect_gradients(name, [op](Tape& t, const std::vector<Tensor>& in) { return op(t, in[0], in[1]); }, {a, b});
      }
    }
    // Per-channel: (N, C, H, W) op (1, C, 1, 1), and both sides broadcast: (3, 1) op (1, 4).
    expect_gradients(name, [op](Tape& t, const std::vector<Tensor>& in) { return op(t, in[0], in[1]); },
                     {random_away_from_zero({2, 3, 2, 2}, rng), random_tensor({1, 3, 1, 1}, rng, 0.5f, 1.5f)});
    expect_gradients(name, [op](Tape& t, const std::vector<Tensor>& in) { return op(t, in[0], in[1]); },
                     {random_away_from_zero({3, 1}, rng), random_tensor({1, 4}, rng, 0.5f, 1.5f)});
  }
  expect_gradients("add_scalar", [](Tape& t, const std::vector<Tensor>& in) { return add_scalar(t, in[0], 0.7f); },
                   {random_tensor({3, 4}, rng)});
  expect_gradients("scale", [](Tape& t, const std::vector<Tensor>& in) { return scale(t, in[0], -1.5f); },
                   {random_tensor({3, 4}, rng)});
}

TEST_CASE("gradients of the elementwise functions") {
  PhiloxRng rng(102);
  using Unary = Tensor (*)(Tape&, const Tensor&);
  auto leaky = [](Tape& t, const Tensor& x) { return leaky_relu(t, x, 0.2f); };
  const std::pair<const char*, std::function<Tensor(Tape&, const Tensor&)>> ops[] = {
      {"relu", Unary(relu)}, {"leaky_relu", leaky},     {"sigmoid", Unary(sigmoid)},
      {"tanh", Unary(tanh)}, {"exp", Unary(exp)},       {"softplus", Unary(softplus)},
      {"abs", Unary(abs)},   {"square", Unary(square)}, {"erf", Unary(erf)}};
  for (const auto& [name, op] : ops)
    for (int trial = 0; trial < 3; ++trial)
      expect_gradients(name, [op](Tape& t, const std::vector<Tensor>& in) { return op(t, in[0]); },
                       {random_away_from_zero(random_shape(rng), rng)});
  for (int trial = 0; trial < 3; ++trial)
    expect_gradients("log", [](Tape& t, const std::vector<Tensor>& in) { return log(t, in[0]); },
                     {random_tensor(random_shape(rng), rng, 0.5f, 2.0f)});
}

TEST_CASE("gradients of the reductions") {
  PhiloxRng rng(103);
  for (int trial = 0; trial < 4; ++trial) {
    Shape s = random_shape(rng);
    int axis = int(rng.next_below(s.size())) - (trial % 2 ? int(s.size()) : 0);  // also negative axes
    bool keep = trial % 2 == 0;
    CAPTURE(shape_string(s));
    CAPTURE(axis);
    expect_gradients("sum", [](Tape& t, const std::vector<Tensor>& in) { return sum(t, in[0]); }, {random_tensor(s, rng)});
    expect_gradients("mean", [](Tape& t, const std::vector<Tensor>& in) { return mean(t, in[0]); }, {random_tensor(s, rng)});
    expect_gradients("sum axis", [=](Tape& t, const std::vector<Tensor>& in) { return sum(t, in[0], axis, keep); },
                     {random_tensor(s, rng)});
    expect_gradients("mean axis", [=](Tape& t, const std::vector<Tensor>& in) { return mean(t, in[0], axis, keep); },
                     {random_tensor(s, rng)});
    expect_gradients("logsumexp",
                     [=](Tape& t, const std::vector<Tensor>& in) { return logsumexp(t, in[0], axis, keep); },
                     {random_tensor(s, rng, -3.0f, 3.0f)});
  }
}

TEST_CASE("gradients of matmul and linear") {
  PhiloxRng rng(104);
  for (int trial = 0; trial < 3; ++trial) {
    int M = 1 + int(rng.next_below(6)), K = 1 + int(rng.next_below(7)), N = 1 + int(rng.next_below(6));
    expect_gradients("matmul", [](Tape& t, const std::vector<Tensor>& in) { return matmul(t, in[0], in[1]); },
                     {random_tensor({M, K}, rng), random_tensor({K, N}, rng)});
    expect_gradients("linear", [](Tape& t, const std::vector<Tensor>& in) { return linear(t, in[0], in[1], in[2]); },
                     {random_tensor({M, K}, rng), random_tensor({N, K}, rng), random_tensor({N}, rng)});
    expect_gradients("linear without bias",
                     [](Tape& t, const std::vector<Tensor>& in) { return linear(t, in[0], in[1], Tensor()); },
                     {random_tensor({M, K}, rng), random_tensor({N, K}, rng)});
  }
}

TEST_CASE("gradients of conv2d and conv_transpose2d on the reference kernel shapes and random ones") {
  PhiloxRng rng(105);
  // (C, H, O, k, stride, padding) at batch 2: k4 s2 p1, k2 s2 p0, k4 s2 p2, and odd ones.
  const int conv_shapes[][6] = {{1, 8, 3, 4, 2, 1}, {3, 6, 2, 2, 2, 0}, {2, 7, 3, 4, 2, 2}, {2, 5, 2, 3, 1, 1}};
  for (auto& s : conv_shapes) {
    CAPTURE(s[3]); CAPTURE(s[4]); CAPTURE(s[5]);
    int stride = s[4], padding = s[5];
    expect_gradients("conv2d",
                     [=](Tape& t, const std::vector<Tensor>& in) { return conv2d(t, in[0], in[1], in[2], stride, padding); },
                     {random_tensor({2, s[0], s[1], s[1]}, rng), random_tensor({s[2], s[0], s[3], s[3]}, rng),
                      random_tensor({s[2]}, rng)});
  }
  // Transposed: k4 s2 p1 (the decoder's), and odd ones.
  const int transpose_shapes[][6] = {{3, 4, 2, 4, 2, 1}, {2, 3, 1, 4, 2, 1}, {2, 3, 3, 3, 1, 1}, {1, 2, 2, 2, 2, 0}};
  for (auto& s : transpose_shapes) {
    CAPTURE(s[3]); CAPTURE(s[4]); CAPTURE(s[5]);
    int stride = s[4], padding = s[5];
    expect_gradients(
        "conv_transpose2d",
        [=](Tape& t, const std::vector<Tensor>& in) { return conv_transpose2d(t, in[0], in[1], in[2], stride, padding); },
        {random_tensor({2, s[0], s[1], s[1]}, rng), random_tensor({s[0], s[2], s[3], s[3]}, rng),
         random_tensor({s[2]}, rng)});
  }
}

TEST_CASE("gradients of the shape ops") {
  PhiloxRng rng(106);
  expect_gradients("reshape", [](Tape& t, const std::vector<Tensor>& in) { return reshape(t, in[0], {3, -1}); },
                   {random_tensor({2, 3, 2}, rng)});
  expect_gradients("flatten", [](Tape& t, const std::vector<Tensor>& in) { return flatten(t, in[0]); },
                   {random_tensor({2, 3, 2, 2}, rng)});
  for (int axis : {0, 1, 2, -1})
    expect_gradients("concat", [axis](Tape& t, const std::vector<Tensor>& in) { return concat(t, {in[0], in[1], in[0]}, axis); },
                     axis == 0 ? std::vector<Tensor>{random_tensor({2, 3, 2}, rng), random_tensor({1, 3, 2}, rng)}
                     : axis == 1 ? std::vector<Tensor>{random_tensor({2, 3, 2}, rng), random_tensor({2, 1, 2}, rng)}
                                 : std::vector<Tensor>{random_tensor({2, 3, 2}, rng), random_tensor({2, 3, 3}, rng)});
  expect_gradients("slice", [](Tape& t, const std::vector<Tensor>& in) { return slice(t, in[0], 1, 1, 3); },
                   {random_tensor({2, 4, 3}, rng)});
  // The same seed inside f: every evaluation draws the same permutation.
  expect_gradients("shuffle_columns", [](Tape& t, const std::vector<Tensor>& in) {
    PhiloxRng permutation_rng(5);
    return shuffle_columns(t, in[0], permutation_rng);
  }, {random_tensor({6, 3}, rng)});
  expect_gradients("permute_rows",
                   [](Tape& t, const std::vector<Tensor>& in) {
                     PhiloxRng permutation_rng(6);
                     return permute_rows(t, in[0], permutation_rng);
                   },
                   {random_tensor({5, 4}, rng)});
}

TEST_CASE("gradients of the losses") {
  PhiloxRng rng(107);
  Tensor targets = random_tensor({3, 2, 4}, rng, 0.0f, 1.0f);
  for (Reduction r : {Reduction::None, Reduction::Sum, Reduction::Mean}) {
    expect_gradients("bce_with_logits",
                     [=](Tape& t, const std::vector<Tensor>& in) { return bce_with_logits(t, in[0], targets, r); },
                     {random_tensor({3, 2, 4}, rng, -4.0f, 4.0f)});
    expect_gradients("mse", [=](Tape& t, const std::vector<Tensor>& in) { return mse(t, in[0], in[1], r); },
                     {random_tensor({3, 2, 4}, rng), random_tensor({3, 2, 4}, rng)});
  }
  expect_gradients("gaussian_kl", [](Tape& t, const std::vector<Tensor>& in) { return gaussian_kl(t, in[0], in[1]); },
                   {random_tensor({4, 3}, rng), random_tensor({4, 3}, rng)});
}
