// Zietlow et al.'s manipulation (apps/common/manipulation_training.h, learned_manipulation.h): training
// against two small pretrained runs writes a bounded manipulation that resumes exactly, and every
// command applies the file as a dataset transform and refuses it for other data.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "apps/common/learned_manipulation.h"
#include "apps/common/manipulation_training.h"
#include "apps/common/trainer.h"
#include "cli_helpers.h"
#include "nn/checkpoint.h"
#include "small_training_run.h"

using namespace untangle;

namespace {

// Two 12-step beta-VAE runs on XYSquares (the "entangled" and "disentangled" stand-ins), made once.
const std::string& pretrained_root() {
  static const std::string root = [] {
    const std::string path = "/tmp/untangle_test_manipulation_runs";
    std::filesystem::remove_all(path);
    for (int seed : {1, 2}) {
      RunConfig c = testing::small_training_run(12);
      c.seed = unsigned(seed);
      train_run(c, path + "/run" + std::to_string(seed), false);
    }
    return path;
  }();
  return root;
}

ManipulationTrainingSettings tiny_settings(long long steps) {
  ManipulationTrainingSettings s;
  s.steps = steps;
  s.batch = 4;
  s.decoder_batches_per_step = 1;
  s.latent_samples = 2;
  s.learning_rate = 1e-2f;  // large, so a few steps move m visibly
  s.epsilon = 0.2f;
  s.seed = 4;
  s.log_every = 1;
  s.checkpoint_every = 1;
  s.evaluation_batch = 8;
  s.device = "cpu";
  return s;
}

std::vector<float> tensor_values(const std::string& path, const std::string& name) {
  return load_checkpoint(path).tensors.at(name).to_vector();
}

}  // namespace

TEST_CASE("the manipulation trains against frozen encoders, stays within eps, and resumes exactly") {
  const std::string root = pretrained_root(), a = "/tmp/untangle_test_manip_a",
                    b = "/tmp/untangle_test_manip_b";
  std::filesystem::remove_all(a);
  std::filesystem::remove_all(b);
  const std::vector<std::string> entangled = {root + "/run1"}, disentangled = {root + "/run2"};

  const ManipulationSummary whole = train_manipulation(tiny_settings(4), entangled, disentangled, a);
  CHECK(whole.steps == 4);
  CHECK(whole.max_abs_perturbation > 0.0);
  CHECK(whole.max_abs_perturbation <= 0.2 + 1e-6);  // |x' - x| <= eps, by the tanh and the reflection
  CHECK(whole.mean_abs_perturbation <= whole.max_abs_perturbation);
  for (const char* file :
       {"manipulation.utg", "manipulation_state.utg", "manipulation_log.csv", "manipulation.json"})
    CHECK(std::filesystem::exists(a + "/" + file));
  // A finished directory is read back, not retrained.
  const ManipulationSummary again = train_manipulation(tiny_settings(4), entangled, disentangled, a);
  CHECK(again.entangled_modified == doctest::Approx(whole.entangled_modified).epsilon(1e-6));

  // Interrupted after 2 steps (its finished marker removed, as if killed before step 4), then resumed.
  train_manipulation(tiny_settings(2), entangled, disentangled, b);
  std::filesystem::remove(b + "/manipulation.json");
  train_manipulation(tiny_settings(4), entangled, disentangled, b);
  for (const char* name : {"manipulation.bottleneck.weight", "manipulation.renderer.deconv4.weight"})
    CHECK(tensor_values(a + "/manipulation.utg", name) == tensor_values(b + "/manipulation.utg", name));
  // The log holds each step once.
  std::ifstream log(b + "/manipulation_log.csv");
  std::string line;
  int rows = 0;
  while (std::getline(log, line)) ++rows;
  CHECK(rows == 1 + 4);
}

TEST_CASE("a manipulation file is a dataset transform for the data it was made for, and refused elsewhere") {
  const std::string root = pretrained_root(), directory = "/tmp/untangle_test_manip_c";
  std::filesystem::remove_all(directory);
  train_manipulation(tiny_settings(2), {root + "/run1"}, {root + "/run2"}, directory);
  const std::string file = directory + "/manipulation.utg";

  DatasetOptions clean_options, options;
  add_manipulation(options, file);
  CHECK(options.manipulation_epsilon == 0.2f);
  auto clean = make_dataset("xysquares", clean_options), modified = make_dataset("xysquares", options);
  const std::vector<size_t> indices = {0, 100, 5000};
  std::vector<float> x(indices.size() * clean->observation_size()), y(x.size());
  clean->render_batch(indices, x.data());
  modified->render_batch(indices, y.data());
  double largest = 0, total = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    largest = std::max(largest, double(std::fabs(y[i] - x[i])));
    total += std::fabs(y[i] - x[i]);
    REQUIRE(y[i] >= 0.0f);
    REQUIRE(y[i] <= 1.0f);
  }
  CHECK(largest <= 0.2 + 1e-6);
  CHECK(total > 0.0);

  CHECK_THROWS_WITH_AS(make_dataset("dsprites", options),
                       doctest::Contains("made for factor sizes [8,8,8,8,8,8]"), std::exception);

  // Through the commands: a preview of the modified data works; training dSprites with it is refused.
  const auto preview = testing::run_program("untangle data --dataset xysquares --manipulation " + file +
                                            " --preview /tmp/untangle_test_manip_preview.png");
  CHECK(preview.exit_code == 0);
  CHECK(std::filesystem::exists("/tmp/untangle_test_manip_preview.png"));
  const auto refused =
      testing::run_program("untangle train --model beta_vae --dataset dsprites --steps 1 --manipulation " +
                           file + " --out /tmp/untangle_test_manip_refused");
  CHECK(refused.exit_code != 0);
  CHECK(refused.output.find("made for factor sizes") != std::string::npos);
  const auto both = testing::run_program(
      "untangle train --model beta_vae --dataset xysquares --steps 1 --noise 0.1 "
      "--manipulation " +
      file + " --out /tmp/untangle_test_manip_both");
  CHECK(both.exit_code != 0);
  CHECK(both.output.find("give one") != std::string::npos);
}
