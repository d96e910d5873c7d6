// The tape's behaviour (accumulation, evaluation mode, errors) and ops' forward values against
// independent known answers.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "autograd/ops.h"
#include "core/check.h"
#include "test_helpers.h"

using namespace untangle;
using namespace untangle::testing;

TEST_CASE("a tensor used twice accumulates both gradients") {
  Tape tape;
  Tensor x = Tensor::from_vector({1.5f, -2.0f}, {2});
  x.set_requires_grad(true);
  // L = sum(x * x + 3 x): dL/dx = 2x + 3
  Tensor loss = sum(tape, add(tape, mul(tape, x, x), scale(tape, x, 3.0f)));
  tape.backward(loss);
  CHECK(x.grad_vector() == std::vector<float>{6.0f, -1.0f});
  CHECK(tape.size() == 0);  // backward clears the tape
}

TEST_CASE(
    "a tensor feeding two convolutions gets both gradients: the first written in place, the next added") {
  PhiloxRng rng(31);
  // x feeds a conv2d and a conv_transpose2d. Fresh leaves each time, so x has no gradient buffer yet and
  // its first gradient takes the in-place path (grad_storage_for_overwrite), the second the add.
  const Tensor x0 = random_tensor({2, 3, 8, 8}, rng), w1 = random_tensor({4, 3, 3, 3}, rng);
  const Tensor w2 = random_tensor({3, 4, 4, 4}, rng), bias = random_tensor({4}, rng);
  auto x_gradient = [&](bool use_conv, bool use_transposed) {
    Tensor x = Tensor::from_vector(x0.to_vector(), x0.shape());
    x.set_requires_grad(true);
    Tape tape;
    Tensor a = sum(tape, conv2d(tape, x, w1, bias, 1, 1));
    Tensor b = sum(tape, conv_transpose2d(tape, x, w2, Tensor(), 2, 1));
    tape.backward(use_conv && use_transposed ? add(tape, a, b) : use_conv ? a : b);
    return x.grad_vector();
  };
  const std::vector<float> g1 = x_gradient(true, false), g2 = x_gradient(false, true);
  const std::vector<float> both = x_gradient(true, true);
  REQUIRE(both.size() == g1.size());
  for (size_t i = 0; i < both.size(); ++i) CHECK(both[i] == doctest::Approx(g1[i] + g2[i]).epsilon(1e-5));
}

TEST_CASE(
    "a fused ReLU gives relu(conv(...))'s output and gradients bit for bit, conv and transposed, with and "
    "without a bias") {
  PhiloxRng rng(32);
  // The encoder's first layer and the decoder's third, small batch. The output also feeds a second use
  // (a square), so its gradient arrives in two parts before the fused op's backward masks it.
  const Tensor x0 = random_tensor({3, 2, 16, 16}, rng), w0 = random_tensor({4, 2, 4, 4}, rng, -0.3f, 0.3f);
  const Tensor b0 = random_tensor({4}, rng), wt0 = random_tensor({2, 4, 4, 4}, rng, -0.3f, 0.3f);
  auto run = [&](bool transposed, bool with_bias, bool fused) {
    auto leaf = [](const Tensor& t) {
      Tensor copy = Tensor::from_vector(t.to_vector(), t.shape());
      copy.set_requires_grad(true);
      return copy;
    };
    Tensor x = leaf(x0), w = leaf(transposed ? wt0 : w0), b = with_bias ? leaf(b0) : Tensor();
    Tape tape;
    const OutputActivation activation = fused ? OutputActivation::Relu : OutputActivation::None;
    Tensor y = transposed ? conv_transpose2d(tape, x, w, b, 2, 1, activation)
                          : conv2d(tape, x, w, b, 2, 1, activation);
    if (!fused) y = relu(tape, y);
    tape.backward(add(tape, sum(tape, y), scale(tape, sum(tape, square(tape, y)), 0.5f)));
    std::vector<std::vector<float>> results = {y.to_vector(), x.grad_vector(), w.grad_vector()};
    if (with_bias) results.push_back(b.grad_vector());
    return results;
  };
  for (bool transposed : {false, true})
    for (bool with_bias : {true, false}) {
      CAPTURE(transposed);
      CAPTURE(with_bias);
      const auto separate = run(transposed, with_bias, false), fused = run(transposed, with_bias, true);
      size_t zeros = 0;
      for (float v : separate[0]) zeros += v == 0.0f;
      CHECK(zeros > separate[0].size() / 4);  // the kink's both sides are exercised
      CHECK(zeros < separate[0].size() * 3 / 4);
      for (size_t i = 0; i < separate.size(); ++i) CHECK(fused[i] == separate[i]);
    }
}

TEST_CASE("a tensor feeding two activations gets both gradients: the first written, the next added") {
  // L = sum(relu(x)) + sum(square(x)): dL/dx = [x > 0] + 2x. Backward runs the square first (recorded
  // last), which writes x's fresh gradient; relu's then adds to it.
  Tape tape;
  Tensor x = Tensor::from_vector({1.5f, -2.0f, 0.25f}, {3});
  x.set_requires_grad(true);
  Tensor loss = add(tape, sum(tape, relu(tape, x)), sum(tape, square(tape, x)));
  tape.backward(loss);
  CHECK(x.grad_vector() == std::vector<float>{4.0f, -4.0f, 1.5f});
}

TEST_CASE("the evaluation tape records nothing and parameters are leaves") {
  Tensor w = Tensor::from_vector({2.0f}, {1});
  w.set_requires_grad(true);
  Tape evaluation = Tape::evaluation();
  Tensor y = mul(evaluation, w, w);
  CHECK(evaluation.size() == 0);
  CHECK(!y.requires_grad());
  CHECK(y.item() == 4.0f);
  Tape tape;
  Tensor constant = Tensor::from_vector({3.0f}, {1});
  mul(tape, constant, constant);  // no input needs a gradient: nothing recorded
  CHECK(tape.size() == 0);
  Tensor z = mul(tape, w, constant);
  CHECK(tape.op_names() == std::vector<std::string>{"mul"});
  CHECK(z.requires_grad());
}

TEST_CASE("backward rejects non-scalar losses and losses that need no gradient") {
  Tape tape;
  Tensor x = Tensor::from_vector({1.0f, 2.0f}, {2});
  x.set_requires_grad(true);
  Tensor y = square(tape, x);
  CHECK_THROWS_WITH_AS(tape.backward(y), "backward: the loss must have one element, got shape (2)", Error);
  CHECK_THROWS_AS(tape.backward(Tensor::scalar(1.0f)), Error);
}

TEST_CASE("shape errors are readable") {
  Tape tape;
  Tensor x = Tensor::zeros({2, 3, 8, 8}), w = Tensor::zeros({4, 1, 3, 3});
  CHECK_THROWS_WITH_AS(conv2d(tape, x, w, Tensor(), 1, 0), "conv2d: input has 3 channels, weight expects 1",
                       Error);
  CHECK_THROWS_WITH_AS(linear(tape, Tensor::zeros({2, 5}), Tensor::zeros({3, 4}), Tensor()),
                       "linear: input has 5 features, weight expects 4", Error);
  CHECK_THROWS_WITH_AS(add(tape, Tensor::zeros({2, 3}), Tensor::zeros({4})),
                       "add: shapes (2, 3) and (4) do not broadcast", Error);
  CHECK_THROWS_AS(reshape(tape, Tensor::zeros({2, 3}), {4, -1}), Error);
  CHECK_THROWS_AS(Tensor::zeros({1, 2, 3, 4, 5}), Error);
}

TEST_CASE("forward values against known answers") {
  Tape tape = Tape::evaluation();
  // disentanglement_lib's KL unit test: mu = 1, logvar = 0, D = 10 -> 5.0; logvar = 1 -> 0.5 * 10 * (1 + e -
  // 2).
  Tensor kl0 = gaussian_kl(tape, Tensor::full({1, 10}, 1.0f), Tensor::full({1, 10}, 0.0f));
  Tensor kl1 = gaussian_kl(tape, Tensor::full({1, 10}, 1.0f), Tensor::full({1, 10}, 1.0f));
  CHECK(kl0.item() == doctest::Approx(5.0));
  CHECK(kl1.item() == doctest::Approx(8.5914091).epsilon(1e-6));
  // BCE of logit 0 is ln 2 whatever the target; a large logit against target 1 is ~e^-x, no overflow.
  Tensor bce = bce_with_logits(tape, Tensor::from_vector({0.0f, 100.0f, -100.0f}, {3}),
                               Tensor::from_vector({1.0f, 1.0f, 1.0f}, {3}), Reduction::None);
  CHECK(bce.data()[0] == doctest::Approx(std::log(2.0)));
  CHECK(bce.data()[1] == doctest::Approx(0.0));
  CHECK(bce.data()[2] == doctest::Approx(100.0));
  // logsumexp of huge values does not overflow; of equal values adds log(n).
  Tensor lse = logsumexp(tape, Tensor::from_vector({1000.0f, 1000.0f, 5.0f, 5.0f}, {2, 2}), 1);
  CHECK(lse.data()[0] == doctest::Approx(1000.0 + std::log(2.0)));
  CHECK(lse.data()[1] == doctest::Approx(5.0 + std::log(2.0)));
  CHECK(softplus(tape, Tensor::from_vector({100.0f}, {1})).item() == doctest::Approx(100.0));
  // erf from tables (Abramowitz & Stegun 7.1): odd, erf(0.5) = 0.5204998778, erf(2) = 0.9953222650,
  // and 1 in float beyond ~4. Bound 1e-6: float's resolution at these values.
  Tensor erf_values = erf(tape, Tensor::from_vector({0.0f, 0.5f, -0.5f, 2.0f, 6.0f}, {5}));
  CHECK(erf_values.data()[0] == 0.0f);
  CHECK(erf_values.data()[1] == doctest::Approx(0.5204998778).epsilon(1e-6));
  CHECK(erf_values.data()[2] == doctest::Approx(-0.5204998778).epsilon(1e-6));
  CHECK(erf_values.data()[3] == doctest::Approx(0.9953222650).epsilon(1e-6));
  CHECK(erf_values.data()[4] == 1.0f);
  // matmul by hand.
  Tensor product = matmul(tape, Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}),
                          Tensor::from_vector({1, 0, 0, 1, 1, 1}, {3, 2}));
  CHECK(product.to_vector() == std::vector<float>{4, 5, 10, 11});
}

TEST_CASE("conv_transpose2d is the adjoint of conv2d: <conv(a), b> = <a, conv_transpose(b)>") {
  PhiloxRng rng(7);
  Tape tape = Tape::evaluation();
  Tensor w = random_tensor({5, 3, 4, 4}, rng);  // conv: 3 -> 5 channels; transposed: 5 -> 3
  Tensor a = random_tensor({2, 3, 16, 16}, rng);
  Tensor conv_a = conv2d(tape, a, w, Tensor(), 2, 1);  // (2, 5, 8, 8)
  Tensor b = random_tensor(conv_a.shape(), rng);
  Tensor transposed_b = conv_transpose2d(tape, b, w, Tensor(), 2, 1);  // (2, 3, 16, 16)
  REQUIRE(transposed_b.shape() == a.shape());
  double left = 0, right = 0;
  for (size_t i = 0; i < b.numel(); ++i) left += double(conv_a.data()[i]) * b.data()[i];
  for (size_t i = 0; i < a.numel(); ++i) right += double(a.data()[i]) * transposed_b.data()[i];
  CHECK(left == doctest::Approx(right).epsilon(1e-5));
}

TEST_CASE("shuffle_columns permutes each column independently") {
  const int B = 200, D = 3;
  Tensor z = Tensor::zeros({B, D});
  for (int i = 0; i < B; ++i)
    for (int j = 0; j < D; ++j) z.data()[i * D + j] = float(i);
  Tape tape = Tape::evaluation();
  PhiloxRng rng(9);
  Tensor shuffled = shuffle_columns(tape, z, rng);
  int same_row_everywhere = 0;
  for (int j = 0; j < D; ++j) {
    std::vector<int> seen(B, 0);
    for (int i = 0; i < B; ++i) seen[int(shuffled.data()[i * D + j])]++;
    for (int count : seen) REQUIRE(count == 1);  // a permutation of the column
  }
  for (int i = 0; i < B; ++i)
    same_row_everywhere += shuffled.data()[i * D] == shuffled.data()[i * D + 1] &&
                           shuffled.data()[i * D + 1] == shuffled.data()[i * D + 2];
  CHECK(same_row_everywhere < 5);  // independent permutations rarely agree (expected ~1/B^2 per row)
}
