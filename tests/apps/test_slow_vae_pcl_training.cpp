// The temporal-pair models through the trainer (apps/common/trainer.h): a short run on XYSquares pairs
// lowers the loss and resumes bit-identically; PCL, which has no decoder, writes no figures, and
// `untangle encode` / `untangle eval` read its run like a VAE's; Zietlow et al.'s Table 2 row sets the
// Slow-VAE's beta and latent size.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "apps/common/run_config.h"
#include "apps/common/trainer.h"
#include "cli_helpers.h"
#include "nn/checkpoint.h"
#include "small_training_run.h"

using namespace untangle;

namespace {

std::string fresh_directory(const std::string& name) {
  std::string path = "/tmp/untangle_test_temporal_" + name;
  std::system(("rm -rf " + path).c_str());
  return path;
}

// The shared small run (XYSquares, conv nets, batch 16 = 8 pairs, a log row every 5 steps) on `model`.
RunConfig temporal_config(const std::string& model, long long steps) {
  RunConfig c = testing::small_training_run(steps);
  ModelSettings settings = default_model_settings(model);
  settings.channels = 3;
  settings.latents = 6;
  settings.optimizer.learning_rate = 1e-3f;
  c.model = settings;
  return c;
}

// One column of a CSV file with a header row.
std::vector<double> column(const std::string& path, const std::string& name) {
  std::ifstream in(path);
  std::string line, cell;
  std::getline(in, line);
  std::stringstream header(line);
  int index = 0, found = -1;
  while (std::getline(header, cell, ',')) {
    if (cell == name) found = index;
    ++index;
  }
  REQUIRE(found >= 0);
  std::vector<double> values;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    for (int i = 0; i <= found; ++i) std::getline(row, cell, ',');
    values.push_back(std::strtod(cell.c_str(), nullptr));
  }
  return values;
}

bool exists(const std::string& path) {
  return std::ifstream(path).good();
}

// Trains `steps` at once, and `steps` as two thirds then a resume; the checkpoints must be identical.
void check_resume_is_bit_identical(const std::string& model, long long steps) {
  const std::string whole = fresh_directory(model + "_whole"), split = fresh_directory(model + "_split");
  train_run(temporal_config(model, steps), whole, false);
  train_run(temporal_config(model, steps * 2 / 3), split, false);
  RunConfig resumed = read_run_config(split + "/config.json");
  resumed.steps = steps;
  train_run(resumed, split, true);
  Checkpoint a = load_checkpoint(whole + "/checkpoint.utg"), b = load_checkpoint(split + "/checkpoint.utg");
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [name, tensor] : a.tensors) {
    CAPTURE(name);
    REQUIRE(b.tensors.count(name));
    CHECK(tensor.to_vector() == b.tensors[name].to_vector());
  }
  CHECK(a.metadata["rng.data.counter"] == b.metadata["rng.data.counter"]);
  CHECK(a.metadata["rng.noise.counter"] == b.metadata["rng.noise.counter"]);
  CHECK(column(whole + "/train_log.csv", "loss_mean") == column(split + "/train_log.csv", "loss_mean"));
}

}  // namespace

TEST_CASE("Slow-VAE: a short run on temporal pairs lowers the loss and resumes bit-identically") {
  const std::string dir = fresh_directory("slow_vae");
  TrainingResult result = train_run(temporal_config("slow_vae", 60), dir, false);
  CHECK(result.steps_done == 60);
  const std::vector<double> reconstruction = column(dir + "/train_log.csv", "reconstruction_mean"),
                            loss = column(dir + "/train_log.csv", "loss_mean");
  REQUIRE(loss.size() == 12);
  INFO("reconstruction " << reconstruction.front() << " -> " << reconstruction.back() << ", loss "
                         << loss.front() << " -> " << loss.back());
  CHECK(reconstruction.back() < 0.8 * reconstruction.front());
  CHECK(loss.back() < 0.8 * loss.front());
  for (const char* name : {"kl_mean", "kl_laplace_mean", "sparsity_mean", "elbo_mean"})
    CHECK(column(dir + "/train_log.csv", name).size() == 12);
  for (const char* file :
       {"config.json", "checkpoint.utg", "metrics.json", "reconstructions.png", "traversals.png"})
    CHECK(exists(dir + "/" + file));
  check_resume_is_bit_identical("slow_vae", 15);
}

TEST_CASE("PCL: a short run lowers the loss, skips the figures, resumes bit-identically, and evaluates") {
  const std::string dir = fresh_directory("pcl");
  // PCL starts at chance (features near 0 give logits near 0) and its 8-pair batches are noisy: 120
  // steps, a row every 20, and the first two rows against the last two.
  RunConfig config = temporal_config("pcl", 120);
  config.log_every = 20;
  config.final_metrics = "mig";
  TrainingResult result = train_run(config, dir, false);
  CHECK(result.steps_done == 120);
  const std::vector<double> loss = column(dir + "/train_log.csv", "loss_mean"),
                            accuracy = column(dir + "/train_log.csv", "accuracy_mean");
  REQUIRE(loss.size() == 6);
  INFO("loss " << loss[0] << ", " << loss[1] << " -> " << loss[4] << ", " << loss[5] << "; accuracy "
               << accuracy[0] << ", " << accuracy[1] << " -> " << accuracy[4] << ", " << accuracy[5]);
  CHECK(loss[0] == doctest::Approx(std::log(2.0)).epsilon(0.02));  // chance at the start
  CHECK(loss[4] + loss[5] < loss[0] + loss[1] - 0.05);
  CHECK(accuracy[4] + accuracy[5] > accuracy[0] + accuracy[1] + 0.1);
  CHECK(!exists(dir + "/reconstructions.png"));
  CHECK(!exists(dir + "/traversals.png"));
  std::ifstream metrics(dir + "/metrics.json");
  const std::string metrics_text((std::istreambuf_iterator<char>(metrics)), std::istreambuf_iterator<char>());
  CHECK(metrics_text.find("\"mig\":") != std::string::npos);
  // The checkpoint holds the regression's coefficients, which training moved from their initial values.
  Checkpoint checkpoint = load_checkpoint(dir + "/checkpoint.utg");
  REQUIRE(checkpoint.tensors.count("pcl.a"));
  REQUIRE(checkpoint.tensors.count("pcl.d"));
  CHECK(checkpoint.tensors["pcl.a"].to_vector() != std::vector<float>(6, 1.0f));

  auto encode = testing::run_program("untangle encode --run " + dir + " --out " + dir +
                                     "/codes.npy --count 200 --seed 1");
  INFO(encode.output);
  CHECK(encode.exit_code == 0);
  CHECK(encode.output.find("(200 x 6 float32)") != std::string::npos);
  auto eval = testing::run_program("untangle eval --run " + dir + " --metrics mig,dci --sizes fast --seed 3");
  INFO(eval.output);
  CHECK(eval.exit_code == 0);
  CHECK(eval.output.find("\"step\":120") != std::string::npos);
  CHECK(eval.output.find("\"dci.disentanglement\":") != std::string::npos);
  CHECK(exists(dir + "/eval_fast_seed3_step120_mig-dci.json"));  // one file per evaluation setting

  check_resume_is_bit_identical("pcl", 15);
}

TEST_CASE("Zietlow et al. Table 2: slow_vae on dsprites and shapes3d gets beta 1 and latents = factors") {
  for (const auto& [dataset, factors] : {std::pair<std::string, int>{"dsprites", 5}, {"shapes3d", 6}}) {
    CAPTURE(dataset);
    std::vector<std::string> words = {"untangle", "train", "--model", "slow_vae", "--dataset", dataset};
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    Args args(int(argv.size()), argv.data(), 2);
    RunConfig c = run_config_from_args(args);
    CHECK(c.model.latents == factors);
    CHECK(c.model.beta == 1.0f);
    CHECK(c.model.gamma == 10.0f);
    CHECK(c.model.rate_prior == 6.0f);
  }
}
