// Layers, initialisers and Adam: parameter counts of the reference architectures (from
// disentanglement_lib's fact sheet), initialiser statistics, Adam against hand-computed steps, and a
// small network trained to a low loss.
#include <doctest/doctest.h>

#include <cmath>

#include "nn/adam.h"
#include "nn/architectures.h"
#include "nn/layers.h"

using namespace untangle;

TEST_CASE("the reference architectures have disentanglement_lib's parameter counts") {
  PhiloxRng rng(1);
  for (auto [channels, encoder_count, decoder_count] :
       {std::tuple{1, 309204u, 381313u}, std::tuple{3, 310228u, 382339u}}) {
    ParameterList encoder_parameters, decoder_parameters;
    ConvEncoder(channels, 10, rng).collect(encoder_parameters, "encoder");
    DeconvDecoder(channels, 10, rng).collect(decoder_parameters, "decoder");
    CHECK(encoder_parameters.total_values() == encoder_count);
    CHECK(decoder_parameters.total_values() == decoder_count);
  }
}

TEST_CASE("encoder and decoder map shapes as the architecture table says") {
  PhiloxRng rng(2);
  ConvEncoder encoder(3, 7, rng);
  DeconvDecoder decoder(3, 7, rng);
  Tape tape = Tape::evaluation();
  GaussianCode code = encoder.forward(tape, Tensor::zeros({2, 3, 64, 64}));
  CHECK(code.mean.shape() == Shape{2, 7});
  CHECK(code.log_variance.shape() == Shape{2, 7});
  CHECK(decoder.forward(tape, code.mean).shape() == Shape{2, 3, 64, 64});
}

TEST_CASE("Glorot-uniform and Xavier-normal have the specified spread; biases start at zero") {
  PhiloxRng rng(3);
  Linear dense(300, 500, rng);
  const double limit = std::sqrt(6.0 / 800.0);
  double sum_sq = 0, largest = 0;
  for (size_t i = 0; i < dense.weight.numel(); ++i) {
    sum_sq += dense.weight.data()[i] * dense.weight.data()[i];
    largest = std::max(largest, double(std::abs(dense.weight.data()[i])));
  }
  // Uniform(-a, a) has variance a^2/3; 150,000 draws put the sample variance within ~0.5% of it.
  CHECK(sum_sq / dense.weight.numel() == doctest::Approx(limit * limit / 3).epsilon(0.02));
  CHECK(largest <= limit);
  CHECK(largest > 0.99 * limit);
  for (size_t i = 0; i < dense.bias.numel(); ++i) REQUIRE(dense.bias.data()[i] == 0.0f);
  Conv2d conv(16, 32, 4, 2, 1, rng, Initializer::XavierNormal);  // fans 256 and 512
  sum_sq = 0;
  for (size_t i = 0; i < conv.weight.numel(); ++i) sum_sq += conv.weight.data()[i] * conv.weight.data()[i];
  CHECK(sum_sq / conv.weight.numel() == doctest::Approx(2.0 / 768.0).epsilon(0.05));
}

TEST_CASE("Adam takes the hand-computed steps") {
  Tensor p = Tensor::from_vector({1.0f}, {1});
  p.set_requires_grad(true);
  ParameterList list;
  list.add("p", p);
  AdamHyperparameters h;
  h.learning_rate = 0.1f;
  Adam adam(list, h);
  // Step 1, g = 0.5: m_hat = 0.5, v_hat = 0.25 -> the step is lr * sign(g).
  p.grad()[0] = 0.5f;
  adam.step();
  CHECK(p.data()[0] == doctest::Approx(0.9).epsilon(1e-6));
  // Step 2, g = -1: m = -0.055, v = 0.00124975; m_hat = -0.289474, v_hat = 0.625188 -> step -0.366102 lr.
  adam.zero_grad();
  p.grad()[0] = -1.0f;
  adam.step();
  CHECK(p.data()[0] == doctest::Approx(0.9 + 0.0366102).epsilon(1e-5));
  CHECK(adam.steps_taken() == 2);
}

TEST_CASE("a small network trains to a low loss") {
  // Regression of y = sin(3 x1) * x2 on [-1, 1]^2 with a 2-64-64-1 tanh network.
  PhiloxRng rng(4);
  Linear layer1(2, 64, rng), layer2(64, 64, rng), layer3(64, 1, rng);
  ParameterList parameters;
  layer1.collect(parameters, "l1");
  layer2.collect(parameters, "l2");
  layer3.collect(parameters, "l3");
  AdamHyperparameters h;
  h.learning_rate = 3e-3f;
  Adam adam(parameters, h);
  const int B = 128;
  Tensor x = Tensor::zeros({B, 2}), y = Tensor::zeros({B, 1});
  float first_loss = 0, last_loss = 0;
  for (int step = 0; step < 1500; ++step) {
    rng.fill_uniform(x.data(), x.numel(), -1.0f, 1.0f);
    for (int i = 0; i < B; ++i) y.data()[i] = std::sin(3.0f * x.data()[2 * i]) * x.data()[2 * i + 1];
    Tape tape;
    Tensor h1 = tanh(tape, layer1.forward(tape, x));
    Tensor h2 = tanh(tape, layer2.forward(tape, h1));
    Tensor loss = mse(tape, layer3.forward(tape, h2), y, Reduction::Mean);
    if (step == 0) first_loss = loss.item();
    last_loss = loss.item();
    adam.zero_grad();
    tape.backward(loss);
    adam.step();
  }
  // The target's variance is ~0.17; a trained network gets its mean squared error far below that.
  CHECK(first_loss > 0.05f);
  CHECK(last_loss < 0.005f);
}
