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

void print_usage() {
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
}

struct VisualizeOptions {
  std::string directory, checkpoint_path, out;
  std::set<std::string> chosen;  // the figures to draw
  double range = 2.0;
  long long steps = 9, samples = 3, frames = 24, kl_points = 1000, zoom = 2, seed = 0;
};

VisualizeOptions parse_options(Args& args) {
  VisualizeOptions o;
  o.directory = args.required_text("run");
  o.checkpoint_path = args.text("checkpoint", "");
  o.out = args.text("out", "");
  const std::string only = args.text("only", "traversals,reconstructions,animation,dataset");
  o.range = args.number("range", 2.0);
  o.steps = args.integer("steps", 9), o.samples = args.integer("samples", 3);
  o.frames = args.integer("frames", 24), o.kl_points = args.integer("kl-points", 1000);
  o.zoom = args.integer("zoom", 2), o.seed = args.integer("seed", 0);
  args.reject_unknown();
  require(std::isfinite(o.range) && o.range > 0.0, "--range must be a positive number");
  require(o.steps >= 2 && o.steps <= 64, "--steps must be in 2..64");
  require(o.samples >= 1 && o.samples <= 16, "--samples must be in 1..16");
  require(o.frames >= 2 && o.frames <= 240, "--frames must be in 2..240");
  require(o.kl_points >= 1 && o.kl_points <= 100000, "--kl-points must be in 1..100000");
  require(o.zoom >= 1 && o.zoom <= 8, "--zoom must be in 1..8");
  o.chosen = parse_figure_list(only);
  return o;
}

// Drops the figures a model without a decoder cannot draw (saying so), refuses to replace an existing
// figure, and makes the output directory.
void prepare_output(const TrainedRun& run, VisualizeOptions& o) {
  if (!run.model->has_decoder()) {
    for (const char* figure : {"traversals", "reconstructions", "animation"})
      if (o.chosen.erase(figure))
        std::fprintf(stderr, "visualize: %s has no decoder, so %s is skipped\n",
                     run.config.model.model.c_str(), figure);
    require(!o.chosen.empty(), "nothing left to draw for a model without a decoder");
  }
  for (const std::string& figure : o.chosen)
    require(!std::filesystem::exists(o.out + "/" + file_name(figure)), o.out, "/", file_name(figure),
            " exists already; give another --out or remove it (figures are never replaced)");
  std::filesystem::create_directories(o.out);
}

void draw_figures(const TrainedRun& run, const VisualizeOptions& o, long long step) {
  const Model& model = *run.model;
  const GroundTruthDataset& dataset = *run.dataset;
  const InputPipeline& inputs = *run.inputs;
  // One stream per figure, so choosing a subset does not change what each figure shows.
  const PhiloxRng base{uint64_t(o.seed)};
  const std::string step_text = " at step " + std::to_string(step);
  // The latents' KL orders the traversal rows and the animation's columns: computed once for both.
  std::vector<double> kl;
  if (o.chosen.count("traversals") || o.chosen.count("animation")) {
    PhiloxRng kl_rng = base.split(5);
    kl = latent_kl(model, dataset, inputs, kl_rng, size_t(o.kl_points));
  }
  for (const std::string& figure : o.chosen) {
    PhiloxRng rng = base.split(figure == "traversals"        ? 1
                               : figure == "reconstructions" ? 2
                               : figure == "animation"       ? 3
                                                             : 4);
    const std::string path = o.out + "/" + file_name(figure);
    if (figure == "traversals") {
      TraversalOptions options{o.range, int(o.steps), size_t(o.zoom),
                               "latent traversals" + step_text + ", rows by KL to N(0,1)"};
      write_traversal_figure(path, model, dataset, inputs, kl, rng, options);
    } else if (figure == "reconstructions") {
      write_reconstruction_figure(path, model, dataset, inputs, rng, 8, size_t(o.zoom));
    } else if (figure == "animation") {
      AnimationOptions options{o.range, int(o.frames), int(o.samples), size_t(o.zoom), 80};
      write_traversal_animation(path, model, dataset, inputs, kl, rng, options);
    } else {
      write_dataset_preview(path, dataset, rng, size_t(o.zoom));
    }
    std::printf("wrote %s\n", path.c_str());
  }
}

}  // namespace

int command_visualize(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.help()) {
    print_usage();
    return 0;
  }
  VisualizeOptions options = parse_options(args);
  TrainedRun run = load_trained_run(options.directory);
  const long long step =
      options.checkpoint_path.empty() ? run.step : use_checkpoint(run, options.checkpoint_path);
  if (options.out.empty()) options.out = options.directory + "/figures/step_" + std::to_string(step);
  prepare_output(run, options);
  std::fprintf(stderr, "visualize: %s on %s at step %lld -> %s\n", run.config.model.model.c_str(),
               run.dataset->name().c_str(), step, options.out.c_str());
  draw_figures(run, options, step);
  return 0;
}

}  // namespace untangle
