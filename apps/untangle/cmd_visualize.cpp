// `untangle visualize`: the pictures a researcher looks at first, for a run at any of its checkpoints —
// labelled latent traversals (sorted by KL), reconstructions, an animated traversal and a preview of the
// dataset the run trained on (apps/common/figures.h draws them). Runs on the CPU; a run may still be
// training (its latest checkpoint is read).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "apps/common/args.h"
#include "apps/common/figures.h"
#include "apps/common/trained_run.h"
#include "apps/untangle/commands.h"

namespace untangle {

namespace {

const char* kFigures[] = {"traversals", "reconstructions", "animation", "dataset"};

std::set<std::string> parse_figure_list(const std::string& list) {
  std::set<std::string> chosen;
  std::stringstream stream(list);
  for (std::string name; std::getline(stream, name, ',');) {
    bool known = false;
    for (const char* figure : kFigures) known = known || name == figure;
    require(known, "--only: unknown figure '", name, "' (traversals, reconstructions, animation, dataset)");
    chosen.insert(name);
  }
  require(!chosen.empty(), "--only: give at least one figure");
  return chosen;
}

std::string file_name(const std::string& figure) {
  return figure == "animation" ? "traversal_animation.png" : figure + ".png";
}

// Replaces the run's weights with those of another checkpoint file of the same model; returns its step.
long long use_checkpoint(TrainedRun& run, const std::string& path) {
  Checkpoint checkpoint = load_checkpoint(path);
  checkpoint.restore(run.model->checkpointed_tensors(), path);
  return metadata_integer(checkpoint.metadata, "step", path);
}

}  // namespace

int command_visualize(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.help()) {
    std::printf(R"(usage: untangle visualize --run DIR [--checkpoint FILE] [--out DIR] [--only LIST] [--range R]
                          [--steps N] [--samples N] [--frames N] [--kl-points N] [--zoom Z] [--seed S]
Draws a trained (or still training) run's figures as PNG files:
  traversals.png            one row per latent, sorted by its KL to N(0,1) (largest first); each row names
                            the latent and its KL; columns sweep the latent over [-R, R] (values on top),
                            the other latents at one observation's posterior mean
  reconstructions.png       observations above their reconstructions
  traversal_animation.png   animated PNG: a column per latent (sorted by KL), a row per observation, every
                            latent moving -R -> R -> -R together
  dataset.png               random samples, then one traversal per ground-truth factor, rows named
Models without a decoder (PCL) have only dataset.png. The KL is that of the encoder's Gaussian posterior to
N(0,1); for an encoder not trained against that prior (ae, weak_gan) it only ranks how far codes spread.

  --run DIR          the run directory (config.json and checkpoint.utg)
  --checkpoint FILE  draw from this checkpoint of the same model instead of DIR/checkpoint.utg
                     (e.g. a copy kept from earlier in training)
  --out DIR          where to write (default DIR/figures/step_<checkpoint step>); existing figures are
                     never replaced: pick another --out or remove them
  --only LIST        comma-separated subset of traversals,reconstructions,animation,dataset (default all)
  --range R          traversal range (default 2)
  --steps N          images per traversal row (default 9)
  --samples N        observations in the animation, one row each (default 3)
  --frames N         animation frames for one sweep there and back (default 24, 80 ms each)
  --kl-points N      observations behind each latent's KL (default 1000)
  --zoom Z           pixel magnification, 1..8 (default 2)
  --seed S           seed of the observations shown (default 0)
)");
    return 0;
  }
  const std::string directory = args.required_text("run");
  const std::string checkpoint_path = args.text("checkpoint", "");
  std::string out = args.text("out", "");
  const std::string only = args.text("only", "traversals,reconstructions,animation,dataset");
  const double range = args.number("range", 2.0);
  const long long steps = args.integer("steps", 9), samples = args.integer("samples", 3);
  const long long frames = args.integer("frames", 24), kl_points = args.integer("kl-points", 1000);
  const long long zoom = args.integer("zoom", 2), seed = args.integer("seed", 0);
  args.reject_unknown();
  require(std::isfinite(range) && range > 0.0, "--range must be a positive number");
  require(steps >= 2 && steps <= 64, "--steps must be in 2..64");
  require(samples >= 1 && samples <= 16, "--samples must be in 1..16");
  require(frames >= 2 && frames <= 240, "--frames must be in 2..240");
  require(kl_points >= 1 && kl_points <= 100000, "--kl-points must be in 1..100000");
  require(zoom >= 1 && zoom <= 8, "--zoom must be in 1..8");
  std::set<std::string> chosen = parse_figure_list(only);

  TrainedRun run = load_trained_run(directory);
  const long long step = checkpoint_path.empty() ? run.step : use_checkpoint(run, checkpoint_path);
  if (out.empty()) out = directory + "/figures/step_" + std::to_string(step);
  if (!run.model->has_decoder()) {
    for (const char* figure : {"traversals", "reconstructions", "animation"})
      if (chosen.erase(figure))
        std::fprintf(stderr, "visualize: %s has no decoder, so %s is skipped\n", run.config.model.model.c_str(), figure);
    require(!chosen.empty(), "nothing left to draw for a model without a decoder");
  }
  for (const std::string& figure : chosen)
    require(!std::filesystem::exists(out + "/" + file_name(figure)), out, "/", file_name(figure),
            " exists already; give another --out or remove it (figures are never replaced)");
  std::filesystem::create_directories(out);

  const Model& model = *run.model;
  const GroundTruthDataset& dataset = *run.dataset;
  const InputPipeline& inputs = *run.inputs;
  std::fprintf(stderr, "visualize: %s on %s at step %lld -> %s\n", run.config.model.model.c_str(),
               dataset.name().c_str(), step, out.c_str());
  // One stream per figure, so choosing a subset does not change what each figure shows.
  const PhiloxRng base{uint64_t(seed)};
  const std::string step_text = " at step " + std::to_string(step);
  // The latents' KL orders the traversal rows and the animation's columns: computed once for both.
  std::vector<double> kl;
  if (chosen.count("traversals") || chosen.count("animation")) {
    PhiloxRng kl_rng = base.split(5);
    kl = latent_kl(model, dataset, inputs, kl_rng, size_t(kl_points));
  }
  for (const std::string& figure : chosen) {
    PhiloxRng rng = base.split(figure == "traversals" ? 1 : figure == "reconstructions" ? 2 : figure == "animation" ? 3 : 4);
    const std::string path = out + "/" + file_name(figure);
    if (figure == "traversals") {
      TraversalOptions options{range, int(steps), size_t(zoom),
                               "latent traversals" + step_text + ", rows by KL to N(0,1)"};
      write_traversal_figure(path, model, dataset, inputs, kl, rng, options);
    } else if (figure == "reconstructions") {
      write_reconstruction_figure(path, model, dataset, inputs, rng, 8, size_t(zoom));
    } else if (figure == "animation") {
      AnimationOptions options{range, int(frames), int(samples), size_t(zoom), 80};
      write_traversal_animation(path, model, dataset, inputs, kl, rng, options);
    } else {
      write_dataset_preview(path, dataset, rng, size_t(zoom));
    }
    std::printf("wrote %s\n", path.c_str());
  }
  return 0;
}

}  // namespace untangle
