// zietlow_line_search — Zietlow et al. 2021 §5.3, Fig. 5 (and Figs. 7–9 for the other metrics): is the
// manipulation robust to retuning? Each model's primary hyperparameter (Table 2) is scaled by a set of
// factors and trained on the original and on the manipulated data; MIG against the scale, with the
// over-pruning filter (variational runs with fewer active units than factors are left out, as the
// paper's figures do, and counted here).
//
// It uses the manipulation that zietlow_tables made in the same --out folder (and trains into its runs/,
// so the scale-1 runs of the tables are reused, not trained again). Outputs in --out: line_search.md,
// line_search.csv, line_search_<dataset>.svg; the table is apps/common/paper_tables.h's
// zietlow-line-search (`untangle report DIR/runs --table zietlow-line-search`).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "apps/common/json.h"
#include "apps/common/paper_tables.h"
#include "apps/common/program.h"
#include "apps/common/reproduction.h"
#include "apps/common/summary.h"
#include "apps/common/svg_plot.h"
#include "apps/common/zietlow.h"
#include "core/file_io.h"
#include "data/registry.h"

using namespace untangle;

namespace {

const char* kUsage =
    R"(usage: zietlow_line_search [--profile quick|paper|smoke] [--device auto|cpu|cuda] [--out DIR] [--workers N]
                           [--data-file-dsprites PATH] [--data-file-shapes3d PATH] [--datasets LIST] [--models LIST]

Zietlow et al. 2021 Fig. 5: MIG against multiples of each model's primary hyperparameter (Table 2), on the
original and the manipulated data, with the over-pruning filter. Needs the manipulation of zietlow_tables
(same --profile and --out: run zietlow_tables first); trains into DIR/runs, where the scale-1 runs of the
tables are found and skipped. Writes DIR/line_search.md, DIR/line_search.csv, DIR/line_search_<dataset>.svg.
  --profile quick   beta-VAE at 0.25, 1 and 4 times Table 2's beta, 2 seeds (default)
  --profile paper   beta-VAE, FactorVAE, beta-TCVAE, Slow-VAE at 0.25, 0.5, 1, 2, 4 times, 10 seeds
  --profile smoke   beta-VAE at 0.5 and 1 times, 1 seed of 6 steps (after zietlow_tables --profile smoke)
  --device D        auto (default), cpu or cuda
  --out DIR         the zietlow_tables folder (default out/zietlow_tables)
  --workers N       train N runs at once, one thread each (default: 1 for paper, else 2)
  --write-sweep FILE  write the runs as a sweep spec for `untangle sweep` (docs/scaling.md) and exit
  --datasets LIST   dsprites and/or shapes3d instead of the profile's (as given to zietlow_tables)
  --models LIST     only these of the profile's models (must include beta_vae)
)";

// The runs: every seed × dataset × model × multiple of Table 2's value, on the original and the manipulated
// data.
std::vector<ZietlowRun> line_search_runs(const ZietlowProfile& p) {
  std::vector<ZietlowRun> runs;
  for (int seed = 0; seed < p.line_search_seeds; ++seed)
    for (const std::string& dataset : p.datasets)
      for (const std::string& model : p.line_search_models)
        for (double scale : p.line_search_scales)
          for (DataVariant variant : {DataVariant::Original, DataVariant::Modified})
            runs.push_back({model, dataset, variant, seed, scale});
  return runs;
}

// line_search.csv: one row per finished run of this call.
std::string results_csv(const ZietlowProfile& p, const std::vector<ZietlowRun>& runs,
                        const std::vector<SweepOutcome>& outcomes) {
  std::string csv =
      "run,dataset,model,scale,variant,seed,mig@" + p.training.metric_sizes + ",active_units,over_pruned\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    const ZietlowRun& r = runs[i];
    if (outcomes[i].failed) continue;
    const bool pruned = over_pruned(outcomes[i], r.model, make_dataset(r.dataset)->num_factors());
    csv += r.name() + "," + r.dataset + "," + r.model + "," + short_number(r.scale) + "," +
           variant_name(r.variant) + "," + std::to_string(r.seed) + "," +
           JsonObject::number(metric_of(outcomes[i], "mig")) + "," +
           JsonObject::number(metric_of(outcomes[i], "active_units")) + "," + (pruned ? "1" : "0") + "\n";
  }
  return csv;
}

// "β-VAE beta = 32 (shapes3d)": the values the scales multiply.
std::string table2_text(const ZietlowProfile& p) {
  std::string text;
  for (const std::string& dataset : p.datasets)
    for (const std::string& model : p.line_search_models) {
      const ZietlowModel& m = zietlow_model(model);
      text += (text.empty() ? "" : "; ") + m.label + " " + m.primary_setting + " = " +
              short_number(table2_value(model, dataset)) + " (" + dataset + ")";
    }
  return text;
}

// line_search.md and line_search_<dataset>.svg from the run directories (apps/common/paper_tables.h's
// zietlow-line-search table, as `untangle report DIR/runs --table zietlow-line-search` makes it).
void write_report(const ZietlowProfile& p, const std::string& out) {
  const PaperTable table = make_paper_table("zietlow-line-search", read_results_folder(out + "/runs"));
  std::string report =
      "# Zietlow et al. Fig. 5 — MIG against the primary hyperparameter (profile " + p.name + ")\n\n";
  report += std::to_string(p.line_search_seeds) + " seed(s) of " + std::to_string(p.training.steps) +
            " steps per point; the scale multiplies Table 2's value (" + table2_text(p) + ").\n\n" +
            table_markdown(table) + "\nPlots: line_search_<dataset>.svg.\n";
  write_file_atomically(out + "/line_search.md", report);
  for (const std::string& dataset : p.datasets) {
    PaperTable one = table;  // the rows of this dataset only
    one.title += ", " + dataset + " (over-pruned runs left out)";
    one.rows.clear(), one.cells.clear();
    for (size_t r = 0; r < table.rows.size(); ++r)
      if (table.rows[r].rfind(dataset == "dsprites" ? "dSprites" : "Shapes3D", 0) == 0)
        one.rows.push_back(table.rows[r]), one.cells.push_back(table.cells[r]);
    write_file_atomically(out + "/line_search_" + dataset + ".svg", table_line_plot_svg(one));
  }
  std::printf("\n%s\n", report.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("zietlow_line_search", kUsage, argc, argv, {}, [&](Args& args) {
    const ZietlowOptions zietlow = read_zietlow_options(args);  // its --stage is unused: one stage here
    const ReproductionOptions& options = zietlow.reproduction;
    const ZietlowProfile& p = zietlow.profile;
    args.reject_unknown();
    for (const std::string& dataset : p.datasets)
      require(std::filesystem::exists(manipulation_file(options.out, dataset)),
              manipulation_file(options.out, dataset), " does not exist: run zietlow_tables --profile ",
              p.name, " --out ", options.out, " first");

    const std::vector<ZietlowRun> runs = line_search_runs(p);
    const std::vector<SweepRun> sweep = zietlow_sweep(p, runs, options.out);
    if (write_sweep_if_asked(options, sweep, options.out + "/runs")) return 0;
    if (options.is_worker()) {
      train_zietlow_stage(options, sweep, "line_search", argc, argv);
      return 0;
    }
    std::fprintf(stderr, "profile %s: %zu line-search runs (%lld steps each) into %s/runs\n", p.name.c_str(),
                 runs.size(), p.training.steps, options.out.c_str());
    const std::vector<SweepOutcome> outcomes = train_zietlow_stage(options, sweep, "line_search", argc, argv);
    write_file_atomically(options.out + "/line_search.csv", results_csv(p, runs, outcomes));
    write_report(p, options.out);
    std::printf("written: %s/{line_search.md, line_search.csv, line_search_*.svg}\n", options.out.c_str());
    return 0;
  });
}
