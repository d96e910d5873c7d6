// Whole training steps on the GPU against the CPU: the same model (same initial weights), the same
// batches and the same reparameterisation noise (the Philox stream is identical on both devices), 50
// Adam steps each; the loss curves must agree.
//
// Bound: 5e-3 relative per step. The two devices sum in different orders (cuBLAS, our split-K weight
// gradients), so the weights differ by float rounding after the first step, and Adam magnifies that for
// weights whose gradient is near zero (its step is lr * m / sqrt(v), about lr whatever the gradient's
// size); over 50 steps the losses then drift apart slowly but stay close. A wrong kernel shows up at
// step 1, where the curves must agree to 1e-4.
#include <doctest/doctest.h>

#include "autograd/ops.h"
#include "gpu_test_helpers.h"
#include "kernels/cuda/memory.h"
#include "nn/graphed_step.h"
#include "nn/model.h"

using namespace untangle;
using namespace untangle::testing;

namespace {

struct Curve {
  std::vector<double> losses;
  size_t mallocs_after_warmup = 0, mallocs_at_end = 0;
};

Curve train_curve(const ModelSettings& settings, Device device, int steps, int batch_size) {
  PhiloxRng weights(11), data(12), noise(13);
  std::unique_ptr<Model> model = make_model(settings, weights);
  model->to(device);
  std::vector<Adam> optimisers;
  for (const ParameterGroup& group : model->parameter_groups())
    optimisers.emplace_back(group.parameters, group.hyperparameters);
  const Shape shape{batch_size, settings.channels, settings.height, settings.width};
  Batch batch{Tensor::zeros(shape, device), {}, {}};
  Curve curve;
  for (int step = 0; step < steps; ++step) {
    // Binary images with about 1 pixel in 8 set, like dSprites.
    std::vector<float> pixels = random_floats(shape_numel(shape), data, 0.0f, 1.0f);
    for (float& p : pixels) p = p < 0.125f ? 1.0f : 0.0f;
    batch.x.copy_from(pixels);
    curve.losses.push_back(training_step(*model, optimisers, batch, noise, step).objective.item());
    if (device == Device::CUDA && step == 1)
      curve.mallocs_after_warmup = cuda::memory_statistics().cuda_mallocs;
  }
  if (device == Device::CUDA) curve.mallocs_at_end = cuda::memory_statistics().cuda_mallocs;
  return curve;
}

// Batches of 64 (4 under the emulator, and at most 6 steps there).
void compare_curves(const std::string& name, const ModelSettings& settings, int steps) {
  const int batch = gpu_or_emulated(64, 4);
  steps = gpu_or_emulated(steps, std::min(steps, 6));
  const Curve cpu = train_curve(settings, Device::CPU, steps, batch);
  const Curve gpu = train_curve(settings, Device::CUDA, steps, batch);
  double first = 0.0, worst = 0.0;
  for (int step = 0; step < steps; ++step) {
    const double error =
        std::abs(gpu.losses[size_t(step)] - cpu.losses[size_t(step)]) / std::abs(cpu.losses[size_t(step)]);
    if (step == 0) first = error;
    worst = std::max(worst, std::isfinite(error) ? error : INFINITY);
  }
  std::printf("test_gpu: %s loss curve, %d steps: cpu %.6g -> %.6g, cuda %.6g -> %.6g\n", name.c_str(), steps,
              cpu.losses.front(), cpu.losses.back(), gpu.losses.front(), gpu.losses.back());
  CHECK(report(name + " step 1 loss", first, 1e-4) <= 1e-4);
  CHECK(report(name + " loss curve, worst step", worst, 5e-3) <= 5e-3);
  // The caching allocator: once two steps have run, every later step reuses their blocks.
  std::printf("test_gpu: %s cudaMalloc calls after step 2: %zu\n", name.c_str(),
              gpu.mallocs_at_end - gpu.mallocs_after_warmup);
  CHECK(gpu.mallocs_at_end == gpu.mallocs_after_warmup);
}

}  // namespace

TEST_CASE("a 50-step beta-VAE run on cuda follows the cpu's loss curve") {
  if (!gpu_available_or_skip()) return;
  ModelSettings settings = default_model_settings("beta_vae");
  settings.beta = 4.0f;
  compare_curves("beta_vae (bernoulli, 64x64x1)", settings, 50);
}

TEST_CASE("the box-blur loss trains on cuda as on the cpu") {
  if (!gpu_available_or_skip()) return;
  ModelSettings settings = default_model_settings("beta_vae");
  settings.reconstruction.kind = ReconstructionKind::MseBoxBlur;
  compare_curves("beta_vae (mse_box r31)", settings, 10);
}

TEST_CASE("factor_vae and beta_tcvae train on cuda as on the cpu") {
  if (!gpu_available_or_skip()) return;
  compare_curves("factor_vae", default_model_settings("factor_vae"), 10);
  compare_curves("beta_tcvae", default_model_settings("beta_tcvae"), 10);
}

TEST_CASE("a captured training step replays exactly what eager steps compute") {
  if (!gpu_available_or_skip()) return;
  ModelSettings settings = default_model_settings("beta_vae");
  const int steps = gpu_or_emulated(12, 5), eager_first = 2;
  // Same model, batches and noise; run A eagerly, run B with a graph from step `eager_first` on.
  std::vector<double> losses[2];
  uint64_t noise_counters[2];
  long long adam_steps[2];
  for (int run = 0; run < 2; ++run) {
    PhiloxRng weights(21), data(22), noise(23);
    std::unique_ptr<Model> model = make_model(settings, weights);
    model->to(Device::CUDA);
    std::vector<Adam> optimisers;
    for (const ParameterGroup& group : model->parameter_groups())
      optimisers.emplace_back(group.parameters, group.hyperparameters);
    const Shape shape{gpu_or_emulated(64, 4), 1, 64, 64};
    Batch batch{Tensor::zeros(shape, Device::CUDA), {}, {}};
    std::unique_ptr<GraphedTrainingStep> graphed;
    for (int step = 0; step < steps; ++step) {
      batch.x.copy_from(random_floats(shape_numel(shape), data, 0.0f, 1.0f));
      if (run == 1 && step == eager_first)
        graphed = std::make_unique<GraphedTrainingStep>(*model, optimisers, batch, noise, step);
      if (graphed) {
        losses[run].push_back(graphed->run().objective.item());
        continue;
      }
      losses[run].push_back(training_step(*model, optimisers, batch, noise, step).objective.item());
    }
    noise_counters[run] = noise.counter();
    adam_steps[run] = optimisers[0].steps_taken();
  }
  double worst = 0.0;
  for (int step = 0; step < steps; ++step)
    worst = std::max(worst, std::abs(losses[1][size_t(step)] - losses[0][size_t(step)]) /
                                std::abs(losses[0][size_t(step)]));
  // The same kernels with the same arguments: equal in principle. The bound allows cuBLAS to choose a
  // different algorithm under capture (rounding differences, then magnified by Adam over 10 steps).
  CHECK(report("graph replays vs eager steps, " + std::to_string(steps) + "-step loss curve", worst, 1e-5) <=
        1e-5);
  CHECK(noise_counters[1] == noise_counters[0]);
  CHECK(adam_steps[1] == adam_steps[0]);
}
