// `untangle train` on the GPU (apps/common/trainer.cpp) against the same run on the CPU: the logged loss
// curve, the graph-replayed step (on by default) against kernel-by-kernel steps, and a resumed GPU run.
// The runs are short (60 steps of batch 16 on XYSquares); the loss curves must agree within 5e-3 (the
// argument is in test_training_on_cuda.cpp). Graph against kernel-by-kernel and resumed against whole
// runs should be equal; their bound, 1e-4, allows train_log.csv's 6 significant digits to round a last-bit
// difference either way.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "apps/common/run_config.h"
#include "apps/common/trainer.h"
#include "gpu_test_helpers.h"
#include "small_training_run.h"

using namespace untangle;
using namespace untangle::testing;

namespace {

// Whole runs: 60 steps (10 under the emulator, with batches of 2), a checkpoint halfway.
const long long kRunSteps = gpu_or_emulated(60, 10);

RunConfig small_config(const std::string& device, bool graph, long long steps) {
  RunConfig c = small_training_run(steps);
  c.batch = gpu_or_emulated(c.batch, 2);
  c.checkpoint_every = kRunSteps / 2;
  c.device = device;
  c.cuda_graph = graph;
  return c;
}

// The "loss_mean" column of a run's train_log.csv (the second column: the loss's mean over each log
// interval).
std::vector<float> logged_losses(const std::string& directory) {
  std::ifstream in(directory + "/train_log.csv");
  std::string line;
  std::getline(in, line);
  std::vector<float> losses;
  while (std::getline(in, line)) losses.push_back(std::strtof(line.c_str() + line.find(',') + 1, nullptr));
  return losses;
}

// Trains `config` afresh; `capturable`: whether the model's step can be a graph (a failed capture falls
// back to kernel-by-kernel steps silently but for one line, so the test checks which path ran).
std::vector<float> run(const std::string& name, const RunConfig& config, bool capturable = true) {
  const std::string directory = "/tmp/untangle_gpu_run_" + name;
  std::system(("rm -rf " + directory).c_str());
  const TrainingResult result = train_run(config, directory, false);
  CHECK(result.cuda_graph_used == (config.device == "cuda" && config.cuda_graph && capturable));
  return logged_losses(directory);
}

}  // namespace

TEST_CASE("training on cuda logs the cpu's loss curve, with and without the graph") {
  if (!gpu_available_or_skip()) return;
  const std::vector<float> cpu = run("cpu", small_config("cpu", false, kRunSteps));
  const std::vector<float> eager = run("cuda_eager", small_config("cuda", false, kRunSteps));
  const std::vector<float> graph = run("cuda_graph", small_config("cuda", true, kRunSteps));
  REQUIRE(cpu.size() == size_t(kRunSteps / 5));  // a row every 5 steps
  CHECK(report("trainer: cuda (kernel by kernel) vs cpu, logged loss", max_relative_error(eager, cpu),
               5e-3) <= 5e-3);
  CHECK(report("trainer: cuda (graph) vs cpu, logged loss", max_relative_error(graph, cpu), 5e-3) <= 5e-3);
  CHECK(report("trainer: cuda graph vs cuda kernel by kernel", max_relative_error(graph, eager), 1e-4) <=
        1e-4);
}

TEST_CASE("a resumed training run on cuda continues the uninterrupted one") {
  if (!gpu_available_or_skip()) return;
  const std::vector<float> whole = run("cuda_whole", small_config("cuda", true, kRunSteps));
  const std::string directory = "/tmp/untangle_gpu_run_cuda_split";
  std::system(("rm -rf " + directory).c_str());
  train_run(small_config("cuda", true, kRunSteps / 2), directory, false);
  RunConfig resumed = read_run_config(directory + "/config.json");
  resumed.steps = kRunSteps;
  const TrainingResult resumed_result = train_run(resumed, directory, true);
  CHECK(resumed_result.cuda_graph_used);
  CHECK(report("trainer: resumed cuda run vs uninterrupted",
               max_relative_error(logged_losses(directory), whole), 1e-4) <= 1e-4);
}

TEST_CASE("every model trains through the trainer on cuda as on the cpu") {
  if (!gpu_available_or_skip()) return;
  // 10 steps each: the models whose step decides things on the host (Ada-GVAE's mask, FactorVAE's
  // permutations, ...) run kernel by kernel and log host-side terms; all must follow the CPU's curve.
  // Bound 1e-2: ten steps of batch 16, a looser version of the 5e-3 argument in test_training_on_cuda.cpp.
  for (const std::string& model : model_names()) {
    RunConfig base = small_config("cpu", false, 10);
    ModelSettings settings = default_model_settings(model);
    settings.channels = 3;
    settings.latents = 6;
    settings.factors = 6;  // XYSquares: (x, y) of three squares (the weak GAN's pairing labels)
    if (model == "linear_vae") settings.architecture = "linear";
    settings.gan_channels = gpu_or_emulated(32, 8);  // the GAN's widest layers dominate an emulated step
    base.model = settings;
    RunConfig on_gpu = base;
    on_gpu.device = "cuda";
    on_gpu.cuda_graph = true;  // used where the model allows it
    const bool capturable =
        model == "beta_vae" || model == "ae" || model == "linear_vae" || model == "slow_vae";
    const std::vector<float> cpu = run(model + "_cpu", base), gpu = run(model + "_cuda", on_gpu, capturable);
    CHECK(report("trainer: " + model + " on cuda vs cpu, 10 steps", max_relative_error(gpu, cpu), 1e-2) <=
          1e-2);
  }
}

TEST_CASE("the decomposition VAE's priors and divergences train on cuda as on the cpu") {
  if (!gpu_available_or_skip()) return;
  // Its default (isotropic, alpha 0) runs in the loop above; here the ops of the other priors, the learnt
  // prior scale and both divergences, with the host-drawn prior samples copied to the device.
  for (const char* prior : {"anisotropic", "student_t", "spike_and_slab"})
    for (const char* divergence : {"mmd", "aggregate_kl"}) {
      RunConfig base = small_config("cpu", false, 10);
      ModelSettings settings = default_model_settings("decomposition_vae");
      settings.channels = 3, settings.latents = 6, settings.factors = 6;
      settings.prior = prior, settings.divergence = divergence, settings.alpha = 2.0f;
      settings.prior_variances = "6,5,4,3,2,1", settings.learn_prior_variance = 1;
      base.model = settings;
      RunConfig on_gpu = base;
      on_gpu.device = "cuda";
      const std::string name = std::string("decomposition_") + prior + "_" + divergence;
      const std::vector<float> cpu = run(name + "_cpu", base), gpu = run(name + "_cuda", on_gpu, false);
      CHECK(report("trainer: " + name + " on cuda vs cpu, 10 steps", max_relative_error(gpu, cpu), 1e-2) <=
            1e-2);
    }
}
