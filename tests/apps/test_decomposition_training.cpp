// The decomposition VAE through the trainer (apps/common/trainer.h): a run with a learnt Student-t prior
// and the MMD term resumes bit-identically (the prior's weights, their Adam state and the host-drawn prior
// samples all continue), and `untangle train` fills an anisotropic prior's variances from the data.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "apps/common/decomposition_metrics.h"
#include "apps/common/json.h"
#include "apps/common/pca_prior.h"
#include "apps/common/run_config.h"
#include "apps/common/trainer.h"
#include "cli_helpers.h"
#include "core/file_io.h"
#include "nn/checkpoint.h"
#include "small_training_run.h"

using namespace untangle;

namespace {

std::string fresh_directory(const std::string& name) {
  std::string path = "/tmp/untangle_test_decomposition_" + name;
  std::system(("rm -rf " + path).c_str());
  return path;
}

RunConfig decomposition_run(long long steps) {
  RunConfig c = testing::small_training_run(steps);
  ModelSettings s = default_model_settings("decomposition_vae");
  s.channels = 3, s.latents = 6;
  s.prior = "student_t", s.divergence = "mmd", s.alpha = 1.0f;
  s.prior_variances = "6,5,4,3,2,1", s.learn_prior_variance = 1;
  c.model = s;
  return c;
}

}  // namespace

TEST_CASE("a decomposition VAE run with a learnt Student-t prior resumes bit-identically") {
  const std::string whole = fresh_directory("whole"), split = fresh_directory("split");
  train_run(decomposition_run(20), whole, false);
  train_run(decomposition_run(10), split, false);
  RunConfig resumed = read_run_config(split + "/config.json");
  CHECK(resumed.model.prior == "student_t");
  CHECK(resumed.model.prior_variances == "6,5,4,3,2,1");
  resumed.steps = 20;
  train_run(resumed, split, true);
  Checkpoint a = load_checkpoint(whole + "/checkpoint.utg"), b = load_checkpoint(split + "/checkpoint.utg");
  REQUIRE(a.tensors.count("prior.log_variance_weights") == 1);
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [name, tensor] : a.tensors) {
    CAPTURE(name);
    REQUIRE(b.tensors.count(name));
    CHECK(tensor.to_vector() == b.tensors[name].to_vector());
  }
  // The prior's weights started at log(6..1) and were trained.
  CHECK(a.tensors["prior.log_variance_weights"].to_vector()[0] !=
        doctest::Approx(std::log(6.0)).epsilon(1e-7));

  // `untangle eval --hoyer --iwae` reports what the library computes for the same run and seed.
  auto result =
      testing::run_program("untangle eval --run " + whole +
                           " --metrics mig --sizes fast --hoyer 100 --iwae 3 --iwae-points 16 --out " +
                           whole + "/eval_extra.json");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  std::vector<uint8_t> bytes = read_file_bytes(whole + "/eval_extra.json");
  auto json = parse_flat_json(std::string(bytes.begin(), bytes.end()), "eval_extra.json");
  TrainedRun run = load_trained_run(whole);
  CHECK(std::stod(json["hoyer_sparsity"]) ==
        doctest::Approx(model_hoyer_sparsity(*run.model, *run.dataset, *run.inputs, 100, run.config.seed)));
  const double log_px = model_log_likelihood(*run.model, *run.dataset, *run.inputs, 16, 3, run.config.seed);
  CHECK(std::stod(json["iwae_log_px"]) == doctest::Approx(log_px));
  CHECK(log_px < 0);
  CHECK(std::stod(json["hoyer_sparsity"]) > 0);
  CHECK(std::stod(json["hoyer_sparsity"]) < 1);
}

TEST_CASE("the PCA spectrum: the eigenvalues of (1/N) X^T X, largest first") {
  // Rows (1, 0, 0), (0, 2, 0), (0, 0, 3), (0, 0, 0): (1/4) X^T X = diag(1, 4, 9) / 4.
  const std::vector<float> images = {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0};
  std::vector<double> spectrum = pca_spectrum(images, 4, 3, 2);
  REQUIRE(spectrum.size() == 2);
  CHECK(spectrum[0] == doctest::Approx(9.0 / 4));
  CHECK(spectrum[1] == doctest::Approx(4.0 / 4));
  CHECK(variances_text({2.25, 1.0}) == "2.25,1");
  // A run configured from flags gets the data's spectrum (all positive, descending) when none is given.
  const char* argv[] = {"untangle",    "train",     "--model",   "decomposition_vae", "--prior",
                        "anisotropic", "--dataset", "xysquares", "--latents",         "4"};
  Args args(10, const_cast<char**>(argv), 2);
  RunConfig c = run_config_from_args(args);
  CHECK(c.model.optimizer.learning_rate == 5e-4f);  // the mathieu2019 preset
  std::vector<double> variances;
  for (size_t start = 0, end; start <= c.model.prior_variances.size(); start = end + 1) {
    end = c.model.prior_variances.find(',', start);
    if (end == std::string::npos) end = c.model.prior_variances.size();
    variances.push_back(std::stod(c.model.prior_variances.substr(start, end - start)));
  }
  REQUIRE(variances.size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(variances[i] > 0);
  for (size_t i = 1; i < 4; ++i) CHECK(variances[i] <= variances[i - 1]);
}
