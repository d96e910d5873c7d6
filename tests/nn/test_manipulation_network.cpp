// Zietlow et al.'s manipulation network and file (nn/manipulation_network.h): the bound, the reflection,
// the factor scaling, gradients, the file round trip and its checks.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "autograd/gradcheck.h"
#include "core/check.h"
#include "nn/checkpoint.h"
#include "nn/manipulation_network.h"

using namespace untangle;

TEST_CASE("factor_values scales each factor's index to [0, 1]; a one-valued factor gives 0") {
  const Tensor w = factor_values({{0, 5, 39, 0}, {2, 0, 20, 0}}, {3, 6, 40, 1});
  const std::vector<float> v = w.to_vector();
  REQUIRE(w.shape() == Shape{2, 4});
  CHECK(v[0] == 0.0f);
  CHECK(v[1] == 1.0f);
  CHECK(v[2] == 1.0f);
  CHECK(v[3] == 0.0f);
  CHECK(v[4] == 1.0f);
  CHECK(v[6] == doctest::Approx(20.0 / 39.0));
  CHECK_THROWS_WITH_AS(factor_values({{3, 0, 0, 0}}, {3, 6, 40, 1}), doctest::Contains("out of range"),
                       std::exception);
}

TEST_CASE("manipulate reflects into [0, 1] as appendix B.1, and its gradient is +-eps") {
  Tape tape = Tape::evaluation();
  const Tensor x = Tensor::from_vector({0.0f, 1.0f, 0.5f, 0.95f, 0.02f}, {5});
  const Tensor m = Tensor::from_vector({-1.0f, 1.0f, 0.5f, 1.0f, -0.5f}, {5});
  const std::vector<float> out = manipulate(tape, x, m, 0.1f).to_vector();
  // 0 - 0.1 -> 0.1; 1 + 0.1 -> 0.9; 0.55; 1.05 -> 0.95; 0.02 - 0.05 = -0.03 -> 0.03.
  const std::vector<float> expected = {0.1f, 0.9f, 0.55f, 0.95f, 0.03f};
  for (size_t i = 0; i < out.size(); ++i) CHECK(out[i] == doctest::Approx(expected[i]).epsilon(1e-6));
  // Away from the kinks the gradient through the reflection against finite differences, at the default
  // tolerances.
  PhiloxRng rng(3);
  Tensor xs = Tensor::zeros({2, 1, 4, 4}), ms = Tensor::zeros({2, 1, 4, 4});
  rng.fill_uniform(xs.data(), xs.numel(), 0.1f, 0.9f);
  rng.fill_uniform(ms.data(), ms.numel(), -1.0f, 1.0f);
  for (size_t i = 0; i < ms.numel(); ++i) {  // keep x + 0.3 m at least 0.05 from the kinks at 0 and 1
    const float moved = xs.data()[i] + 0.3f * ms.data()[i];
    if (std::fabs(moved) < 0.05f || std::fabs(moved - 1.0f) < 0.05f) ms.data()[i] = 0.0f;
  }
  xs.set_requires_grad(true);
  ms.set_requires_grad(true);
  const GradcheckResult result = gradcheck(
      [](Tape& t, const std::vector<Tensor>& in) { return manipulate(t, in[0], in[1], 0.3f); }, {xs, ms});
  CHECK_MESSAGE(result.passed, result.worst_location);
}

TEST_CASE("the manipulation network is bounded by 1 and depends on the factors through one number") {
  PhiloxRng rng(5);
  ManipulationNetwork network(5, 1, rng);
  Tape tape = Tape::evaluation();
  // Large inputs saturate the tanh, never beyond it.
  const Tensor w = Tensor::from_vector({0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 50, -50, 50, -50, 50}, {3, 5});
  const std::vector<float> m = network.forward(tape, w).to_vector();
  REQUIRE(m.size() == 3 * 64 * 64);
  float largest = 0;
  for (float v : m) largest = std::max(largest, std::fabs(v));
  CHECK(largest <= 1.0f);
  // Two factor vectors with the same bottleneck value render the same image: move factor 0 and factor 1
  // so that w . a stays constant (a = the bottleneck's weights).
  ParameterList parameters;
  network.collect(parameters, "m");
  std::vector<float> a;
  for (const NamedTensor& item : parameters.items())
    if (item.name == "m.bottleneck.weight") a = item.tensor.to_vector();
  REQUIRE(a.size() == 5);
  const float delta = 0.2f;
  const Tensor pair = Tensor::from_vector({0.5f, 0.5f, 0.5f, 0.5f, 0.5f,  //
                                           0.5f + delta, 0.5f - delta * a[0] / a[1], 0.5f, 0.5f, 0.5f},
                                          {2, 5});
  const std::vector<float> images = network.forward(tape, pair).to_vector();
  for (size_t p = 0; p < 64 * 64; ++p)
    REQUIRE(images[p] == doctest::Approx(images[64 * 64 + p]).epsilon(1e-4));
}

TEST_CASE("a manipulation file round-trips the network and its info; other files are refused") {
  const std::string path = "/tmp/untangle_test_manipulation.utg";
  PhiloxRng rng(9);
  ManipulationNetwork network(6, 3, rng);
  ManipulationInfo info{"shapes3d", {10, 10, 10, 8, 4, 15}, 3, 0.175f, "test"};
  save_manipulation(path, network, info);
  LoadedManipulation loaded = load_manipulation(path);
  CHECK(loaded.info.dataset == "shapes3d");
  CHECK(loaded.info.factor_sizes == info.factor_sizes);
  CHECK(loaded.info.channels == 3);
  CHECK(loaded.info.epsilon == 0.175f);
  Tape tape = Tape::evaluation();
  const Tensor w = Tensor::from_vector({0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, {1, 6});
  const std::vector<float> a = network.forward(tape, w).to_vector(),
                           b = loaded.network->forward(tape, w).to_vector();
  for (size_t i = 0; i < a.size(); ++i) REQUIRE(a[i] == b[i]);
  // A checkpoint that is not a manipulation, and a missing file, are errors naming the file.
  Checkpoint other;
  other.metadata["kind"] = "something else";
  save_checkpoint("/tmp/untangle_test_not_manipulation.utg", other);
  CHECK_THROWS_WITH_AS(load_manipulation("/tmp/untangle_test_not_manipulation.utg"),
                       doctest::Contains("not a manipulation file"), std::exception);
  CHECK_THROWS_WITH_AS(load_manipulation("/tmp/untangle_no_such_manipulation.utg"),
                       doctest::Contains("untangle_no_such_manipulation.utg"), std::exception);
}
