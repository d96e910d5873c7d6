// The architectures by name: parameter counts from the layer tables (docs/reference/architectures.md), output
// shapes, errors for unknown names and wrong sizes, and FactorVAE's discriminator learning to tell dependent
// codes from codes with permuted dimensions.
#include <doctest/doctest.h>

#include <cmath>

#include "core/check.h"
#include "nn/adam.h"
#include "nn/architectures.h"
#include "nn/discriminator.h"

using namespace untangle;

namespace {

size_t count(const Encoder& encoder) {
  ParameterList list;
  encoder.collect(list, "encoder");
  return list.total_values();
}
size_t count(const Decoder& decoder) {
  ParameterList list;
  decoder.collect(list, "decoder");
  return list.total_values();
}
// weights + biases of a conv / dense layer
size_t conv(size_t in, size_t out, size_t k) {
  return in * out * k * k + out;
}
size_t dense(size_t in, size_t out) {
  return in * out + out;
}

}  // namespace

TEST_CASE("architectures built by name have the parameter counts of their layer tables") {
  PhiloxRng rng(21);
  for (int C : {1, 3}) {
    const size_t D = 10;
    NetworkShape shape{C, 64, 64, int(D)};
    CAPTURE(C);
    // disent vae_conv64: four k4 convs, flatten 1600, dense 256, dense 2D; decoder as disentanglement_lib's.
    CHECK(count(*make_encoder("burgess", shape, rng, Initializer::XavierNormal)) ==
          conv(C, 32, 4) + conv(32, 32, 4) + conv(32, 64, 4) + conv(64, 64, 4) + dense(1600, 256) +
              dense(256, 2 * D));
    CHECK(count(*make_decoder("burgess", shape, rng, Initializer::XavierNormal)) ==
          dense(D, 256) + dense(256, 1024) + conv(64, 64, 4) + conv(64, 32, 4) + conv(32, 32, 4) +
              conv(32, C, 4));
    const size_t pixels = size_t(C) * 64 * 64;
    CHECK(count(*make_encoder("fc", shape, rng, Initializer::GlorotUniform)) ==
          dense(pixels, 1200) + dense(1200, 1200) + 2 * dense(1200, D));
    CHECK(count(*make_decoder("fc", shape, rng, Initializer::GlorotUniform)) ==
          dense(D, 1200) + 2 * dense(1200, 1200) + dense(1200, pixels));
    CHECK(count(*make_encoder("linear", shape, rng, Initializer::GlorotUniform)) == 2 * dense(pixels, D));
    CHECK(count(*make_decoder("linear", shape, rng, Initializer::GlorotUniform)) == dense(D, pixels));
  }
  // docs/reference/architectures.md "conv": the pair has 309,204 + 381,313 parameters for one channel.
  NetworkShape grey{1, 64, 64, 10};
  CHECK(count(*make_encoder("conv", grey, rng, Initializer::GlorotUniform)) == 309204);
  CHECK(count(*make_decoder("conv", grey, rng, Initializer::GlorotUniform)) == 381313);
}

TEST_CASE("every architecture maps (B, C, H, W) to (B, D) codes and back") {
  PhiloxRng rng(22);
  Tape tape = Tape::evaluation();
  for (const std::string& name : architecture_names()) {
    CAPTURE(name);
    NetworkShape shape{3, 64, 64, 5};
    Tensor x = Tensor::full({2, 3, 64, 64}, 0.5f);
    GaussianCode code = make_encoder(name, shape, rng, Initializer::GlorotUniform)->forward(tape, x);
    CHECK(code.mean.shape() == Shape{2, 5});
    CHECK(code.log_variance.shape() == Shape{2, 5});
    CHECK(make_decoder(name, shape, rng, Initializer::GlorotUniform)->forward(tape, code.mean).shape() ==
          x.shape());
  }
  // fc and linear take any image size; the conv ones need 64x64.
  NetworkShape small{1, 8, 6, 3};
  CHECK(make_encoder("fc", small, rng, Initializer::GlorotUniform)
            ->forward(tape, Tensor::zeros({4, 1, 8, 6}))
            .mean.shape() == Shape{4, 3});
  CHECK_THROWS_WITH_AS(make_encoder("burgess", small, rng, Initializer::XavierNormal),
                       doctest::Contains("needs 64x64 images, got 8x6"), Error);
  CHECK_THROWS_WITH_AS(make_decoder("resnet", small, rng, Initializer::XavierNormal),
                       doctest::Contains("unknown architecture 'resnet'"), Error);
}

TEST_CASE("the FactorVAE discriminator has 5,018,002 parameters for 10 latents") {
  PhiloxRng rng(23);
  Discriminator discriminator(10, rng);
  ParameterList list;
  discriminator.collect(list, "discriminator");
  CHECK(list.total_values() == 5018002);  // docs/reference/architectures.md
  CHECK(list.size() == 14);               // 7 dense layers
}

TEST_CASE(
    "the discriminator loss is the mean cross-entropy of class 0 on real and class 1 on permuted codes") {
  Tensor real = Tensor::from_vector({2.0f, -1.0f, 0.5f, 0.5f}, {2, 2});
  Tensor permuted = Tensor::from_vector({0.0f, 3.0f, 1.0f, -2.0f}, {2, 2});
  auto log_p = [](double own, double other) { return own - std::log(std::exp(own) + std::exp(other)); };
  double expected = -0.5 * (0.5 * (log_p(2, -1) + log_p(0.5, 0.5)) + 0.5 * (log_p(3, 0) + log_p(-2, 1)));
  Tape tape = Tape::evaluation();
  CHECK(discriminator_loss(tape, real, permuted).item() == doctest::Approx(expected).epsilon(1e-6));
}

TEST_CASE("the discriminator learns to separate dependent codes from permuted ones") {
  // Codes with strongly dependent pairs of dimensions: z = (a, a + 0.1 n1, b, b + 0.1 n2), a, b, n ~ N(0, 1).
  // Permuting each column across the batch breaks the pairs, so a discriminator can tell them apart.
  PhiloxRng rng(24);
  const int B = 128, D = 4;
  auto dependent_codes = [&](PhiloxRng& r) {
    Tensor z = Tensor::zeros({B, D});
    std::vector<float> noise(size_t(B) * D);
    r.fill_normal(noise.data(), noise.size());
    for (int b = 0; b < B; ++b) {
      float* row = z.data() + size_t(b) * D;
      const float* n = noise.data() + size_t(b) * D;
      row[0] = n[0], row[1] = n[0] + 0.1f * n[1], row[2] = n[2], row[3] = n[2] + 0.1f * n[3];
    }
    return z;
  };
  Discriminator discriminator(D, rng, 32, 6);  // the reference depth, a narrower width
  ParameterList list;
  discriminator.collect(list, "discriminator");
  Adam adam(list, {1e-3f, 0.5f, 0.9f, 1e-8f});
  auto evaluate = [&](PhiloxRng& r, double& accuracy) {
    Tape tape = Tape::evaluation();
    Tensor z = dependent_codes(r);
    Tensor real = discriminator.forward(tape, z),
           permuted = discriminator.forward(tape, shuffle_columns(tape, z, r));
    int correct = 0;
    for (int b = 0; b < B; ++b) {
      correct += real.data()[2 * b] > real.data()[2 * b + 1];
      correct += permuted.data()[2 * b + 1] > permuted.data()[2 * b];
    }
    accuracy = correct / double(2 * B);
    return discriminator_loss(tape, real, permuted).item();
  };
  PhiloxRng held_out(99);
  double accuracy_before;
  const double loss_before = evaluate(held_out, accuracy_before);
  for (int step = 0; step < 400; ++step) {
    Tape tape;
    Tensor z = dependent_codes(rng);
    Tensor loss = discriminator_loss(tape, discriminator.forward(tape, z),
                                     discriminator.forward(tape, shuffle_columns(tape, z, rng)));
    tape.backward(loss);
    adam.step();
    adam.zero_grad();
  }
  double accuracy_after;
  const double loss_after = evaluate(held_out, accuracy_after);
  INFO("loss " << loss_before << " -> " << loss_after << ", accuracy " << accuracy_before << " -> "
               << accuracy_after);
  CHECK(loss_before == doctest::Approx(std::log(2.0)).epsilon(0.1));  // an untrained critic is near chance
  CHECK(loss_after < 0.3);
  CHECK(accuracy_after > 0.9);
}
