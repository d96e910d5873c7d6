// michlo_datasets — Michlo et al. Fig. 6: β-VAE and Ada-GVAE disentangle dSprites and Shapes3D but fail on
// the adversarial XYSquares, whose pixel-wise distance is constant along every factor. The figure shows
// the distribution of MIG and DCI over a hyperparameter sweep per dataset and model; the paper reads off
// the best value per dataset.
//
// Sweep (disent's research/e01_hparam_tuning experiment; docs/reproductions/michlo.md): β ∈ {0.000316, 0.001,
// 0.00316, 0.01, 0.0316, 0.1, 0.316, 1.0} × z ∈ {9, 25}, 115,200 steps ("long"), 1 repeat, disent preset, on
// dSprites, Shapes3D and XYSquares (spacing 8). (The reference also ran Cars3D and SmallNORB; they are not
// rendered here.)
//
// Outputs in --out: runs/<name>/, results.csv, results.md (per dataset and model: best and mean ± std over
// the sweep, beside the paper), mig.svg and dci.svg (every run, grouped per dataset and model).
#include <cstdio>
#include <filesystem>
#include <map>

#include "apps/common/args.h"
#include "apps/common/json.h"
#include "apps/common/program.h"
#include "apps/common/reproduction.h"
#include "apps/common/summary.h"
#include "apps/common/svg_plot.h"
#include "apps/common/sweep.h"
#include "core/file_io.h"

using namespace untangle;

namespace {

const char* kUsage =
    R"(usage: michlo_datasets [--profile quick|paper|smoke] [--device auto|cpu|cuda] [--out DIR] [--workers N]

Michlo et al. Fig. 6: beta-VAE and Ada-GVAE over a beta (and latent size) sweep on XYSquares, dSprites
and Shapes3D; distribution of MIG and DCI disentanglement per dataset. Resumable (finished runs are
skipped). Writes DIR/results.md, DIR/results.csv, DIR/mig.svg, DIR/dci.svg.
  --profile quick   beta {0.001, 0.0316}, z 9, 600 steps, batch 32, fast metrics (measured: 24 CPU-minutes in all)
  --profile paper   beta 0.000316..1.0 (8 values) x z {9, 25}, 115,200 steps, batch 256; meant for a GPU
  --profile smoke   beta 0.001, z 9, 30 steps, batch 16: every stage in about 3 minutes (numbers mean nothing)
  --workers N       train N runs at once, one thread each (default: 1 for paper, else 2)
  --write-sweep FILE  write the runs as a sweep spec for `untangle sweep` (docs/scaling.md) and exit
)";

struct DatasetsProfile {
  TrainingProfile training;
  std::vector<double> betas;
  std::vector<int> latents;
};
const DatasetsProfile kQuick{{"quick", 600, 32, 1, "fast", 0}, {0.001, 0.0316}, {9}};
const DatasetsProfile kPaper{{"paper", 115200, 256, 1, "reference", 2400},
                             {0.000316, 0.001, 0.00316, 0.01, 0.0316, 0.1, 0.316, 1.0},
                             {9, 25}};
const DatasetsProfile kSmoke{{"smoke", 30, 16, 1, "fast", 0}, {0.001}, {9}};

std::string paper_result(const std::string& dataset) {
  return dataset == "xysquares" ? "far lower than the others, even for Ada-GVAE"
                                : "clearly higher than XYSquares";
}

const std::vector<std::string> kDatasets = {"xysquares", "dsprites", "shapes3d"};
const std::vector<std::string> kModels = {"ada_gvae", "beta_vae"};

// The group of a (dataset, model) in the ScoreGroups below, as the figure labels it.
std::string group_of(const std::string& dataset, const std::string& model) {
  return dataset + (model == "ada_gvae" ? " Ada-GVAE" : " beta-VAE");
}

using DatasetAndModel = std::pair<std::string, std::string>;

// The sweep, repeat-major; cell_of_run[i] is run i's (dataset, model).
std::vector<SweepRun> sweep_runs(const DatasetsProfile& profile, const std::string& device,
                                 std::vector<DatasetAndModel>& cell_of_run) {
  std::vector<SweepRun> runs;
  for (int repeat = 0; repeat < profile.training.repeats; ++repeat)
    for (int latents : profile.latents)
      for (double beta : profile.betas)
        for (const std::string& dataset : kDatasets)
          for (const std::string& model : kModels) {
            std::vector<std::string> flags = profile_flags(profile.training, device, model);
            const std::vector<std::string> own = {"--model",   model,
                                                  "--dataset", dataset,
                                                  "--latents", std::to_string(latents),
                                                  "--beta",    short_number(beta),
                                                  "--seed",    std::to_string(repeat)};
            flags.insert(flags.end(), own.begin(), own.end());
            runs.push_back({dataset + "_" + model + "_beta" + short_number(beta) + "_z" +
                                std::to_string(latents) + "_seed" + std::to_string(repeat),
                            flags});
            cell_of_run.emplace_back(dataset, model);
          }
  return runs;
}

// Every run's MIG and DCI, grouped by (dataset, model); also written as results.csv, one row per run.
ScoreGroups collect_scores(const TrainingProfile& training, const std::vector<DatasetAndModel>& cell_of_run,
                           const std::vector<SweepOutcome>& outcomes, const std::string& out) {
  const std::string mig_key = reported_metric_key(training, "mig");
  const std::string dci_key = reported_metric_key(training, "dci.disentanglement");
  ScoreGroups groups;
  std::string csv = "run,dataset,model," + reported_metric_column(training, "mig") + "," +
                    reported_metric_column(training, "dci.disentanglement") + "\n";
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const auto& [dataset, model] = cell_of_run[i];
    groups.add(group_of(dataset, model), "mig", metric_of(outcomes[i], mig_key));
    groups.add(group_of(dataset, model), "dci", metric_of(outcomes[i], dci_key));
    csv += outcomes[i].name + "," + dataset + "," + model + "," +
           JsonObject::number(metric_of(outcomes[i], mig_key)) + "," +
           JsonObject::number(metric_of(outcomes[i], dci_key)) + "\n";
  }
  write_file_atomically(out + "/results.csv", csv);
  return groups;
}

// The largest finite value as "%.3f"; "—" when there is none.
std::string best_text(const std::vector<double>& values) {
  double top = NAN;
  for (double v : values)
    if (std::isfinite(v) && !(v <= top)) top = v;
  if (!std::isfinite(top)) return "—";
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f", top);
  return text;
}

// results.md (best and mean ± std per dataset and model), mig.svg and dci.svg (every run).
void write_report(const DatasetsProfile& profile, size_t run_count, const ScoreGroups& scores,
                  const std::string& out) {
  std::vector<std::vector<std::string>> rows;
  std::vector<StripGroup> mig_groups, dci_groups;
  for (const std::string& dataset : kDatasets)
    for (const std::string& model : kModels) {
      const std::string group = group_of(dataset, model);
      rows.push_back({dataset, model, best_text(scores.values(group, "mig")),
                      mean_std_text(scores.summary(group, "mig")), best_text(scores.values(group, "dci")),
                      mean_std_text(scores.summary(group, "dci")), paper_result(dataset)});
      const std::string colour = model == "ada_gvae" ? "#55a868" : "#4c72b0";
      mig_groups.push_back({group, scores.values(group, "mig"), colour});
      dci_groups.push_back({group, scores.values(group, "dci"), colour});
    }
  const std::string report = "# Michlo et al. Fig. 6 — XYSquares vs the standard datasets (profile " +
                             profile.training.name + ")\n\nOver the sweep (" + std::to_string(run_count) +
                             " runs, " + std::to_string(profile.training.steps) +
                             " steps each): best and mean ± std. The MIG table also: `untangle report " +
                             out + "/runs --table michlo-datasets`.\n\n" +
                             markdown_table({"dataset", "model", "best MIG", "MIG over sweep", "best DCI",
                                             "DCI over sweep", "paper (Fig. 6)"},
                                            rows);
  write_file_atomically(out + "/results.md", report);
  write_strip_plot(out + "/mig.svg", mig_groups, {"MIG over the sweep", "", "MIG", 0, 1, true});
  write_strip_plot(out + "/dci.svg", dci_groups,
                   {"DCI disentanglement over the sweep", "", "DCI", 0, 1, true});
  std::printf("\n%s\n", report.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("michlo_datasets", kUsage, argc, argv, {}, [&](Args& args) {
    const ReproductionOptions options = read_reproduction_options(args, "michlo_datasets");
    args.reject_unknown();
    const DatasetsProfile& profile = chosen_profile(options, kQuick, kPaper, kSmoke);
    std::filesystem::create_directories(options.out + "/runs");

    std::vector<DatasetAndModel> cell_of_run;
    const std::vector<SweepRun> runs = sweep_runs(profile, options.device, cell_of_run);
    std::fprintf(stderr, "profile %s: %zu runs of %lld steps (batch %d) into %s/runs\n",
                 profile.training.name.c_str(), runs.size(), profile.training.steps, profile.training.batch,
                 options.out.c_str());
    if (write_sweep_if_asked(options, runs, options.out + "/runs")) return 0;
    const std::vector<SweepOutcome> outcomes = train_sweep(options, runs, options.out + "/runs", argc, argv);
    if (options.is_worker()) return 0;
    write_report(profile, runs.size(), collect_scores(profile.training, cell_of_run, outcomes, options.out),
                 options.out);
    std::printf("figures: %s/mig.svg, %s/dci.svg; runs: %s/runs/\n", options.out.c_str(), options.out.c_str(),
                options.out.c_str());
    return 0;
  });
}
