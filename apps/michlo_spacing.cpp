// michlo_spacing — Michlo et al. Fig. 9: disentanglement against XYSquares grid spacing 8 → 1. At
// spacing 8 neighbouring positions do not overlap (constant pixel distance); smaller spacings add
// overlap, so pixel MSE can order the positions and MIG / DCI should rise.
//
// Sweep (disent's research/e02_incr_overlap_xysquares experiment; docs/reproductions/michlo.md): β-VAE and
// Ada-GVAE, z = 9, xysquares (RGB, grid size 8) with spacing 8..1, 57,600 steps, 5 repeats, disent preset.
// The plotted β: Ada-GVAE 0.001; β-VAE 0.001 for spacing ≥ 3 and 0.00316 below (the reference's tuned
// values).
//
// Outputs in --out: runs/<name>/, results.csv, results.md (mean ± std per model and spacing beside the
// paper's trend), mig.svg and dci.svg (metric against spacing, one line per model).
#include <cstdio>
#include <filesystem>

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
    R"(usage: michlo_spacing [--profile quick|paper|smoke] [--device auto|cpu|cuda] [--out DIR] [--workers N]

Michlo et al. Fig. 9: beta-VAE and Ada-GVAE on XYSquares with grid spacing 8..1; MIG and DCI
disentanglement against spacing. Resumable (finished runs are skipped). Writes DIR/results.md,
DIR/results.csv, DIR/mig.svg, DIR/dci.svg.
  --profile quick   600 steps, batch 32, 1 repeat, fast metrics (measured: 34 CPU-minutes in all)
  --profile paper   57,600 steps, batch 256, 5 repeats, max of periodic fast metrics; meant for a GPU
  --profile smoke   30 steps, batch 16: every stage end to end in about 3 minutes (numbers mean nothing)
  --workers N       train N runs at once, one thread each (default: 1 for paper, else 2)
  --write-sweep FILE  write the runs as a sweep spec for `untangle sweep` (docs/scaling.md) and exit
)";

const TrainingProfile kQuick{"quick", 600, 32, 1, "fast", 0};
const TrainingProfile kPaper{"paper", 57600, 256, 5, "reference", 2400};
const TrainingProfile kSmoke{"smoke", 30, 16, 1, "fast", 0};
constexpr int kLatents = 9;

// The β the paper plots for a model at a spacing.
double plotted_beta(const std::string& model, int spacing) {
  return model == "beta_vae" && spacing < 3 ? 0.00316 : 0.001;
}

const std::vector<std::string> kModels = {"beta_vae", "ada_gvae"};
const std::vector<int> kSpacings = {8, 7, 6, 5, 4, 3, 2, 1};

// The group of a model at a spacing in the ScoreGroups below.
std::string group_of(const std::string& model, int spacing) {
  return model + " spacing " + std::to_string(spacing);
}

// The sweep, repeat-major; group_of_run[i] names run i's (model, spacing).
std::vector<SweepRun> sweep_runs(const TrainingProfile& profile, const std::string& device,
                                 std::vector<std::string>& group_of_run) {
  std::vector<SweepRun> runs;
  for (int repeat = 0; repeat < profile.repeats; ++repeat)
    for (int spacing : kSpacings)
      for (const std::string& model : kModels) {
        const double beta = plotted_beta(model, spacing);
        std::vector<std::string> flags = profile_flags(profile, device, model);
        const std::vector<std::string> own = {"--model",   model,
                                              "--dataset", "xysquares",
                                              "--spacing", std::to_string(spacing),
                                              "--latents", std::to_string(kLatents),
                                              "--beta",    short_number(beta),
                                              "--seed",    std::to_string(repeat)};
        flags.insert(flags.end(), own.begin(), own.end());
        runs.push_back({model + "_s" + std::to_string(spacing) + "_beta" + short_number(beta) + "_seed" +
                            std::to_string(repeat),
                        flags});
        group_of_run.push_back(group_of(model, spacing));
      }
  return runs;
}

// Every run's MIG and DCI, grouped by (model, spacing); also written as results.csv, one row per run.
ScoreGroups collect_scores(const TrainingProfile& profile, const std::vector<std::string>& group_of_run,
                           const std::vector<SweepOutcome>& outcomes, const std::string& out) {
  const std::string mig_key = reported_metric_key(profile, "mig");
  const std::string dci_key = reported_metric_key(profile, "dci.disentanglement");
  ScoreGroups groups;
  std::string csv = "run,model,spacing," + reported_metric_column(profile, "mig") + "," +
                    reported_metric_column(profile, "dci.disentanglement") + "\n";
  for (size_t i = 0; i < outcomes.size(); ++i) {
    groups.add(group_of_run[i], "mig", metric_of(outcomes[i], mig_key));
    groups.add(group_of_run[i], "dci", metric_of(outcomes[i], dci_key));
    const std::string& group = group_of_run[i];
    csv += outcomes[i].name + "," + group.substr(0, group.find(' ')) + "," +
           group.substr(group.rfind(' ') + 1) + "," + JsonObject::number(metric_of(outcomes[i], mig_key)) +
           "," + JsonObject::number(metric_of(outcomes[i], dci_key)) + "\n";
  }
  write_file_atomically(out + "/results.csv", csv);
  return groups;
}

// results.md (mean ± std per model and spacing), mig.svg and dci.svg (against the spacing).
void write_report(const TrainingProfile& profile, const ScoreGroups& scores, const std::string& out) {
  std::vector<std::vector<std::string>> rows;
  std::vector<LineSeries> mig_lines, dci_lines;
  const char* colours[] = {"#4c72b0", "#dd8452"};
  for (size_t m = 0; m < kModels.size(); ++m) {
    LineSeries mig_line{kModels[m], {}, {}, {}, colours[m]}, dci_line{kModels[m], {}, {}, {}, colours[m]};
    for (int spacing : kSpacings) {
      const MeanStd mig = scores.summary(group_of(kModels[m], spacing), "mig");
      const MeanStd dci = scores.summary(group_of(kModels[m], spacing), "dci");
      rows.push_back({kModels[m], std::to_string(spacing), short_number(plotted_beta(kModels[m], spacing)),
                      mean_std_text(mig), mean_std_text(dci),
                      spacing == 8 ? "lowest (no overlap)" : "rises as spacing shrinks"});
      for (auto* line : {&mig_line, &dci_line}) line->x.push_back(double(spacing));
      mig_line.mean.push_back(mig.mean), mig_line.std.push_back(mig.std);
      dci_line.mean.push_back(dci.mean), dci_line.std.push_back(dci.std);
    }
    mig_lines.push_back(mig_line), dci_lines.push_back(dci_line);
  }
  const std::string report =
      "# Michlo et al. Fig. 9 — disentanglement against XYSquares spacing (profile " + profile.name +
      ")\n\n" + std::to_string(profile.steps) + " steps, batch " + std::to_string(profile.batch) + ", z " +
      std::to_string(kLatents) + ", " + profile.metric_sizes +
      " metric sizes; mean ± std over repeats. The MIG table also: `untangle report " + out +
      "/runs --table michlo-spacing`.\n\n" +
      markdown_table({"model", "spacing", "beta", "MIG (" + reported_metric_key(profile, "mig") + ")",
                      "DCI disentanglement", "paper (Fig. 9)"},
                     rows);
  write_file_atomically(out + "/results.md", report);
  write_line_plot(out + "/mig.svg", mig_lines,
                  {"MIG against XYSquares spacing", "spacing (px)", "MIG", 0, 1, true});
  write_line_plot(out + "/dci.svg", dci_lines,
                  {"DCI disentanglement against XYSquares spacing", "spacing (px)", "DCI", 0, 1, true});
  std::printf("\n%s\n", report.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("michlo_spacing", kUsage, argc, argv, {}, [&](Args& args) {
    const ReproductionOptions options = read_reproduction_options(args, "michlo_spacing");
    args.reject_unknown();
    const TrainingProfile& profile = chosen_profile(options, kQuick, kPaper, kSmoke);
    std::filesystem::create_directories(options.out + "/runs");

    std::vector<std::string> group_of_run;
    const std::vector<SweepRun> runs = sweep_runs(profile, options.device, group_of_run);
    std::fprintf(stderr, "profile %s: %zu runs of %lld steps (batch %d) into %s/runs\n", profile.name.c_str(),
                 runs.size(), profile.steps, profile.batch, options.out.c_str());
    if (write_sweep_if_asked(options, runs, options.out + "/runs")) return 0;
    const std::vector<SweepOutcome> outcomes = train_sweep(options, runs, options.out + "/runs", argc, argv);
    if (options.is_worker()) return 0;
    write_report(profile, collect_scores(profile, group_of_run, outcomes, options.out), options.out);
    std::printf("figures: %s/mig.svg, %s/dci.svg; runs: %s/runs/\n", options.out.c_str(), options.out.c_str(),
                options.out.c_str());
    return 0;
  });
}
