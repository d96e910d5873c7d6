// bench_models — CPU training speed of every model in the registry: one full step (draw a batch,
// forward, backward, Adam on every parameter group) on procedural dSprites at the reference settings
// (each model's default preset: disentanglement_lib's conv encoder/decoder and Bernoulli loss, the weak
// GAN's own networks; batch 64). Pair models train on the pairs the trainer draws for them
// (apps/common/trainer.h draw_batch): weak and matched pairs encode two batches of 64, temporal pairs two
// halves of 64.
//
//   bench_models [--batch B] [--steps N] [--warmup W] [--models a,b,c] [--preset P]
#include <cstdio>

#include "apps/common/args.h"
#include "apps/common/timing.h"
#include "apps/common/trained_run.h"
#include "apps/common/trainer.h"
#include "data/registry.h"
#include "data/samplers.h"
#include "kernels/cpu/parallel.h"
#include "nn/presets.h"

using namespace untangle;

int main(int argc, char** argv) {
  try {
    Args args(argc, argv, 1);
    if (args.help()) {
      std::printf(R"(usage: bench_models [--batch B] [--steps N] [--warmup W] [--models LIST] [--preset P]
Times one training step of each model on procedural dSprites and prints ms/step and steps/s.
  --batch   batch size (default 64)        --steps  timed steps per model (default 10)
  --warmup  untimed steps first (default 2) --models comma-separated (default: every model)
  --preset  disentanglement_lib, disent or weak_disentangle (default: each model's own)
The last line is `untangle_models_steps_per_s NAME=X ...`.
)");
      return 0;
    }
    const int batch = int(args.integer("batch", 64)), steps = int(args.integer("steps", 10));
    const int warmup = int(args.integer("warmup", 2));
    std::vector<std::string> models =
        args.has("models") ? split_list(args.text("models", "")) : model_names();
    const std::string preset = args.text("preset", "");  // empty: each model's default
    args.reject_unknown();
    require(batch >= 1 && steps >= 1 && warmup >= 0, "--batch and --steps must be positive");

    auto dataset = make_dataset("dsprites");
    InputPipeline inputs(*dataset, false, 0);
    std::printf("model training step on dsprites, batch %d, %s preset, %d threads\n", batch,
                preset.empty() ? "each model's" : preset.c_str(), parallel_thread_count());
    std::printf("%-14s %-10s %10s %10s %10s\n", "model", "arch", "median ms", "min ms", "steps/s");
    std::string summary = "untangle_models_steps_per_s";
    for (const std::string& name : models) {
      ModelSettings settings = default_model_settings(name);
      const ConventionPreset& convention =
          find_convention_preset(preset.empty() ? default_convention_preset(name) : preset);
      if (name != "linear_vae") apply_convention_preset(convention, settings);
      settings.channels = 1;
      settings.dataset_size = double(dataset->size());
      settings.factors = int(dataset->num_factors());
      if (convention.latents_from_factors) settings.latents = settings.factors;
      PhiloxRng weights(1), data(2), noise(3);
      auto model = make_model(settings, weights);
      std::vector<ParameterGroup> groups = model->parameter_groups();
      std::vector<Adam> optimisers;
      for (const ParameterGroup& group : groups)
        optimisers.emplace_back(group.parameters, group.hyperparameters);
      Batch b;
      const int rows = rows_per_input(*model, batch);
      b.x = Tensor::zeros({rows, 1, 64, 64});
      if (model->needs_pairs()) b.x_pair = Tensor::zeros({rows, 1, 64, 64});
      long long step = 0;
      auto train_step = [&] {
        draw_batch(*dataset, inputs, *model, batch, data, b);
        training_step(*model, optimisers, b, noise, step++);
      };
      TimingSummary t = time_repeated(train_step, warmup, steps);
      std::printf("%-14s %-10s %10.1f %10.1f %10.2f\n", name.c_str(), settings.architecture.c_str(),
                  t.median_ms, t.min_ms, 1e3 / t.median_ms);
      char entry[64];
      std::snprintf(entry, sizeof(entry), " %s=%.2f", name.c_str(), 1e3 / t.median_ms);
      summary += entry;
    }
    std::printf("%s\n", summary.c_str());
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_models: error: %s\n", error.what());
    return 1;
  }
}
