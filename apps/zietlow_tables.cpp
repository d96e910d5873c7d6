// zietlow_tables — Zietlow, Rolinek & Martius, ICML 2021, Tables 1, 3, 4, 5 (and Fig. 4, Fig. 10/11):
// do VAEs lose their disentanglement when a small learned perturbation hides the data's convenient local
// structure, while PCL and the weakly supervised GAN keep theirs, and uniform noise of the same size hurts
// nobody?
//
// Stages (each resumable: finished runs are skipped, half-written results never count):
//   1. base sweep: every model × seed on the original data and on the noisy data (uniform noise of
//      ±ε, §5.2), trained as `untangle train` would (apps/common/zietlow.h zietlow_run_flags);
//   2. per dataset, §4.3: among the β-VAE restarts on the original data (the orig. runs of stage 1), the
//      most and the least disentangled by MIG (an ensemble of `ensemble` each, 4 in the paper's Shapes3D
//      runs) — their encoders fix the disentangled and entangled codes — and the manipulation network m(w)
//      is trained against them (apps/common/manipulation_training.h); then its checks: |x' − x| ≤ ε, the
//      perceived distances along every factor before and after, and Fig. 4;
//   3. mod. sweep: every model × seed on the manipulated data (--manipulation FILE);
//   4. the report: each table as mean ± std over seeds beside the paper's number, with the over-pruning
//      filter (§5.3: variational runs with fewer active units than factors are left out, and counted), and
//      per model whether mod. is below orig. with an exact order test over the seeds. The tables are made
//      from the run directories by apps/common/paper_tables.h, as `untangle report DIR --table zietlow1`.
//
// Outputs in --out (default out/zietlow_tables): results.md, results.csv (one row per run), results.tex,
// tables/ (each table as .md, .tex, .csv and a strip plot of every run, zietlow{1,3,4,5}_runs.svg),
// selection.md, manipulation/<dataset>/ (manipulation.utg, its log and summary, fig4.png, distances_*),
// traversals_<dataset>_{disentangled,entangled}.png (Fig. 10/11), runs/<name>/ (one run directory each).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include "apps/common/json.h"
#include "apps/common/manipulation_training.h"
#include "apps/common/paper_tables.h"
#include "apps/common/program.h"
#include "apps/common/reproduction.h"
#include "apps/common/summary.h"
#include "apps/common/zietlow.h"
#include "core/file_io.h"
#include "data/registry.h"

using namespace untangle;

namespace {

const char* kUsage =
    R"(usage: zietlow_tables [--profile quick|paper|smoke] [--device auto|cpu|cuda] [--out DIR] [--workers N]
                      [--data-file-dsprites PATH] [--data-file-shapes3d PATH] [--datasets LIST] [--models LIST]

Zietlow et al. 2021 Tables 1, 3, 4, 5: MIG, DCI, FactorVAE score and SAP of the models of Table 1 on the
original, the manipulated (learned m(w), |m| <= 1, x' = reflect(x + eps m)) and the noisy data, mean +- std
over seeds beside the paper's numbers; the manipulation itself with its checks and Fig. 4; traversals of
the most and least disentangled beta-VAE (Fig. 10/11). Resumable: run it again to continue.
  --profile quick   Shapes3D; beta-VAE and PCL; 3 seeds of 2,000 steps; m trained 200 steps
                    (default; sized for about an hour on a 2-core CPU, see docs/reproductions/zietlow.md)
  --profile paper   both datasets, all seven models, 10 seeds of 300,000 steps, reference metric sizes,
                    m trained 20,000 steps (ensembles of 4 + 4 on Shapes3D); meant for GPUs or a cluster
  --profile smoke   dSprites; AE and beta-VAE; 2 seeds of 6 steps: every stage end to end in a few
                    minutes (the tests' profile; numbers mean nothing)
  --device D        auto (default), cpu or cuda, for every training run
  --out DIR         default out/zietlow_tables
  --workers N       train N runs at once, one thread each (default: 1 for paper, else 2)
  --write-sweep FILE  write the runs as a sweep spec for `untangle sweep` (docs/scaling.md) and exit
                    with the base runs only until they have finished; then it learns the manipulation
                    from them here and writes every run (the mod. runs too)
  --data-file-dsprites PATH, --data-file-shapes3d PATH   the real dataset files instead of the renderers
  --datasets LIST   dsprites and/or shapes3d instead of the profile's (e.g. the quick profile on dsprites)
  --models LIST     Table 1's models to train instead of the profile's; must include beta_vae
)";

// The runs of a stage, repeat-major (an interrupted sweep has every setting about equally far along),
// with the β-VAE's original-data restarts first so stage 2 can start as early as possible.
std::vector<ZietlowRun> stage_runs(const ZietlowProfile& p, const std::vector<DataVariant>& variants) {
  std::vector<ZietlowRun> runs;
  for (const std::string& dataset : p.datasets)
    for (int seed = 0; seed < p.seeds; ++seed)
      if (std::count(variants.begin(), variants.end(), DataVariant::Original) &&
          std::count(p.models.begin(), p.models.end(), "beta_vae"))
        runs.push_back({"beta_vae", dataset, DataVariant::Original, seed});
  for (int seed = 0; seed < p.seeds; ++seed)
    for (const std::string& dataset : p.datasets)
      for (const std::string& model : p.models)
        for (DataVariant variant : variants) {
          if (model == "beta_vae" && variant == DataVariant::Original) continue;  // already first
          runs.push_back({model, dataset, variant, seed});
        }
  return runs;
}

// Fig. 10/11: the traversals of the most and least disentangled restart (the trainer draws them), copied
// to DIR/traversals_<dataset>_{disentangled,entangled}.png.
void copy_traversal_figures(const std::string& out, const std::string& dataset,
                            const std::string& most_disentangled, const std::string& least_disentangled) {
  const std::string best = most_disentangled + "/traversals.png",
                    worst = least_disentangled + "/traversals.png";
  if (!std::filesystem::exists(best) || !std::filesystem::exists(worst)) return;
  std::filesystem::copy_file(best, out + "/traversals_" + dataset + "_disentangled.png",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(worst, out + "/traversals_" + dataset + "_entangled.png",
                             std::filesystem::copy_options::overwrite_existing);
}

// Stage 2 for one dataset: the choice of restarts, the manipulation, its checks. Returns the Markdown.
std::string make_manipulation(const ZietlowProfile& p, const ReproductionOptions& options,
                              const std::string& dataset, const std::vector<ZietlowRun>& runs,
                              const std::vector<SweepOutcome>& outcomes) {
  std::vector<double> migs;
  std::vector<size_t> restart_of;
  std::string table_rows;
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].dataset != dataset || runs[i].model != "beta_vae" || runs[i].variant != DataVariant::Original)
      continue;
    migs.push_back(outcomes[i].failed ? NAN : metric_of(outcomes[i], "mig"));
    restart_of.push_back(i);
  }
  const RestartChoice choice = choose_restarts(migs, p.ensemble.at(dataset));
  std::vector<std::string> entangled, disentangled;
  for (size_t k : choice.disentangled)
    disentangled.push_back(options.out + "/runs/" + runs[restart_of[k]].name());
  for (size_t k : choice.entangled) entangled.push_back(options.out + "/runs/" + runs[restart_of[k]].name());
  for (size_t k = 0; k < migs.size(); ++k) {
    const SweepOutcome& o = outcomes[restart_of[k]];
    std::string role = "—";
    if (std::count(choice.disentangled.begin(), choice.disentangled.end(), k)) role = "disentangled";
    if (std::count(choice.entangled.begin(), choice.entangled.end(), k)) role = "entangled";
    rows.push_back({runs[restart_of[k]].name(), short_number(migs[k]),
                    short_number(metric_of(o, "active_units")), latents_by_variance(o), role});
  }
  copy_traversal_figures(options.out, dataset, disentangled.front(), entangled.front());
  const std::string directory = manipulation_directory(options.out, dataset);
  ManipulationTrainingSettings settings = p.manipulation;
  settings.epsilon = zietlow_epsilon(dataset);
  settings.device = options.device;
  const ManipulationSummary summary = train_manipulation(settings, entangled, disentangled, directory);

  std::string text =
      "## " + dataset + "\n\n### The restarts (§4.3)\n\nβ-VAE on the original data, β = " +
      short_number(table2_value("beta_vae", dataset)) + "; the " +
      std::to_string(choice.disentangled.size()) +
      " highest-MIG restart(s) give the disentangled codes, the lowest the entangled ones. Latents by mean "
      "posterior variance, ascending (the first are the most important, Eq. 14):\n\n";
  text += markdown_table({"run", "MIG", "active units", "mean posterior variance per latent", "role"}, rows);
  char line[512];
  std::snprintf(line, sizeof(line),
                "\n### The manipulation m(w)\n\n%lld steps of batch %d (decoders %d batches per step, %d "
                "latent samples "
                "per image), ε = %g. Reconstruction loss per image on a fixed batch of %d:\n\n",
                summary.steps, settings.batch, settings.decoder_batches_per_step, settings.latent_samples,
                double(settings.epsilon), settings.evaluation_batch);
  text += line;
  text += markdown_table(
      {"decoders", "original data, pretrained decoders", "modified data, decoders after training"},
      {{"entangled", short_number(summary.entangled_original), short_number(summary.entangled_modified)},
       {"disentangled", short_number(summary.disentangled_original),
        short_number(summary.disentangled_modified)},
       {"disentangled − entangled", short_number(summary.disentangled_original - summary.entangled_original),
        short_number(summary.disentangled_modified - summary.entangled_modified)}});
  text +=
      "\nm is trained to make the last row grow: the modified data should be cheaper to reconstruct from the "
      "entangled codes than from the disentangled ones.\n\n### Preservation checks and Fig. 4\n\n";
  const std::string checks_path = directory + "/checks.md";
  if (!std::filesystem::exists(checks_path)) {
    auto file = p.training.data_files.find(dataset);
    const std::string data_file = file == p.training.data_files.end() ? "" : file->second;
    write_file_atomically(checks_path,
                          manipulation_checks(dataset, data_file, directory + "/manipulation.utg", directory,
                                              p.distance_repeats, p.check_count));
  }
  const std::vector<uint8_t> checks = read_file_bytes(checks_path);
  text += std::string(checks.begin(), checks.end());
  text +=
      "\nFig. 4: `manipulation/" + dataset + "/fig4.png` (rows: original, m(w) with grey = 0, modified).\n\n";
  return text;
}

// Per model and dataset of the MIG table: is mod. below orig.? noise below orig.? With the exact order
// test over seeds.
std::string direction_markdown(const PaperTable& mig) {
  std::vector<std::vector<std::string>> verdicts;
  auto difference = [](const MeanStd& a, const MeanStd& b) {
    return a.count && b.count ? short_number(std::round((a.mean - b.mean) * 1000) / 1000) : std::string("—");
  };
  for (size_t first = 0; first + 2 < mig.columns.size(); first += 3)  // orig., mod., noise of one dataset
    for (size_t r = 0; r < mig.rows.size(); ++r) {
      const TableCell &orig = mig.cells[r][first], &mod = mig.cells[r][first + 1],
                      &noise = mig.cells[r][first + 2];
      if (orig.runs + mod.runs + noise.runs == 0) continue;
      const std::string dataset = mig.columns[first].substr(0, mig.columns[first].rfind(' '));
      verdicts.push_back({dataset, mig.rows[r], difference(orig.ours(), mod.ours()),
                          order_text(compare_order(mod.values, orig.values)),
                          difference(orig.paper, mod.paper), difference(orig.ours(), noise.ours()),
                          order_text(compare_order(noise.values, orig.values)),
                          difference(orig.paper, noise.paper)});
    }
  return markdown_table({"dataset", "model", "orig. − mod. (ours)", "orig. above mod. (seed pairs)",
                         "orig. − mod. (paper)", "orig. − noise (ours)", "orig. above noise (seed pairs)",
                         "orig. − noise (paper)"},
                        verdicts) +
         "\nSeed pairs: every (mod. run, orig. run) pair of a model, counted when the orig. run has the "
         "higher MIG; "
         "when all do, p is the chance of that order under no effect (one-sided exact Mann–Whitney).\n\n";
}

// One row per run of this call's stages: its settings and scores, and whether the filter leaves it out.
std::string results_csv(const ZietlowProfile& p, const std::vector<ZietlowRun>& runs,
                        const std::vector<SweepOutcome>& outcomes) {
  std::string csv =
      "run,dataset,model,variant,seed,mig,dci_disentanglement,factorvae_eval_accuracy,sap,active_units,"
      "over_pruned,metric_sizes\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    const ZietlowRun& r = runs[i];
    if (outcomes[i].failed) continue;
    const bool pruned = over_pruned(outcomes[i], r.model, make_dataset(r.dataset)->num_factors());
    csv += r.name() + "," + r.dataset + "," + r.model + "," + variant_name(r.variant) + "," +
           std::to_string(r.seed);
    for (const char* key : {"mig", "dci.disentanglement", "factorvae.eval_accuracy", "sap", "active_units"})
      csv += "," + JsonObject::number(metric_of(outcomes[i], key));
    csv += std::string(",") + (pruned ? "1" : "0") + "," + p.training.metric_sizes + "\n";
  }
  return csv;
}

// Stage 4: Tables 1, 3, 4, 5 from the run directories (apps/common/paper_tables.h, as `untangle report
// --table zietlow1` makes them), with and without the over-pruning filter, and the direction of the effect.
void write_report(const ZietlowProfile& p, const ReproductionOptions& options,
                  const std::vector<ZietlowRun>& runs, const std::vector<SweepOutcome>& outcomes,
                  double minutes) {
  write_file_atomically(options.out + "/results.csv", results_csv(p, runs, outcomes));
  const size_t failed =
      size_t(std::count_if(outcomes.begin(), outcomes.end(), [](auto& o) { return o.failed; }));
  const std::vector<RunRecord> records = read_results_folder(options.out + "/runs");
  std::string report = "# Zietlow et al. Tables 1, 3, 4, 5 (profile " + p.name + ")\n\n";
  char line[400];
  std::snprintf(
      line, sizeof(line),
      "%d seeds of %lld steps, batch %d, disentanglement_lib preset, latents = number of factors, Table 2's "
      "hyperparameters; %s metric sizes. Failed runs of this call (non-finite loss): %zu. The same tables: "
      "`untangle report %s/runs --table zietlow1` (and zietlow3, 4, 5); with their plots in tables/.\n\n",
      p.seeds, p.training.steps, p.training.batch, p.training.metric_sizes.c_str(), failed,
      options.out.c_str());
  report += line;
  std::string latex, unfiltered;
  for (const std::string name : {"zietlow1", "zietlow3", "zietlow4", "zietlow5"}) {
    const PaperTable table = make_paper_table(name, records, true);
    report += table_markdown(table) + "\n";
    latex += table_latex(table) + "\n";
    write_paper_table(table, options.out + "/tables");
    if (name == "zietlow1") report += "## Direction of the effect (MIG)\n\n" + direction_markdown(table);
    const PaperTable every_run = make_paper_table(name, records, false);
    unfiltered += table_markdown(every_run) + "\n";
    if (name == "zietlow1")
      unfiltered += "### Direction of the effect (MIG), every run\n\n" + direction_markdown(every_run);
  }
  report +=
      "# The same without the over-pruning filter\n\nEvery finished run counted (short runs may not yet use "
      "every latent; the filter is the paper's, these tables are for reading the quick profile).\n\n" +
      unfiltered;
  std::snprintf(
      line, sizeof(line),
      "The restarts, the manipulation, its checks and Fig. 4: selection.md. This call took %.1f min "
      "(finished runs are skipped, so only a first complete call measures the whole profile).\n",
      minutes);
  report += line;
  write_file_atomically(options.out + "/results.md", report);
  write_file_atomically(options.out + "/results.tex", latex);
  std::printf("\n%s\nwritten: %s/{results.md, results.csv, results.tex, selection.md, tables/}\n",
              report.c_str(), options.out.c_str());
}

// What --write-sweep says while the base runs are unfinished.
const char* kModRunsLater =
    "(base runs only: the mod. runs train on the manipulation that this app learns from the finished base "
    "runs; when they have finished, run this command again: it learns the manipulation here and writes the "
    "sweep with every run)";

}  // namespace

int main(int argc, char** argv) {
  return run_program("zietlow_tables", kUsage, argc, argv, {}, [&](Args& args) {
    const auto started = std::chrono::steady_clock::now();
    const ZietlowOptions zietlow = read_zietlow_options(args);
    const ReproductionOptions& options = zietlow.reproduction;
    const ZietlowProfile& p = zietlow.profile;
    const std::string& stage = zietlow.stage;
    args.reject_unknown();
    std::filesystem::create_directories(options.out + "/runs");

    const std::vector<ZietlowRun> base = stage_runs(p, {DataVariant::Original, DataVariant::Noise});
    const std::vector<ZietlowRun> modified = stage_runs(p, {DataVariant::Modified});
    // --write-sweep: the mod. runs train on the manipulation learned from the base runs, so until those
    // have finished the sweep holds the base runs only; once they have, the manipulation is learned
    // below and the sweep is written with every run.
    if (!options.write_sweep.empty() &&
        !sweep_finished(zietlow_sweep(p, base, options.out), options.out + "/runs") &&
        write_sweep_if_asked(options, zietlow_sweep(p, base, options.out), options.out + "/runs",
                             kModRunsLater))
      return 0;
    if (options.is_worker()) {  // a worker process trains its share of the stage it was started for
      train_zietlow_stage(options, zietlow_sweep(p, stage == "mod" ? modified : base, options.out), stage,
                          argc, argv);
      return 0;
    }
    std::fprintf(
        stderr,
        "profile %s: %zu base runs, then the manipulation, then %zu mod. runs (%lld steps, batch %d)\n",
        p.name.c_str(), base.size(), modified.size(), p.training.steps, p.training.batch);

    // 1. Original and noisy data.
    const std::vector<SweepOutcome> base_outcomes =
        train_zietlow_stage(options, zietlow_sweep(p, base, options.out), "base", argc, argv);
    // 2. The manipulation per dataset.
    std::string selection =
        "# Zietlow et al. — the restarts and the manipulation (profile " + p.name + ")\n\n";
    for (const std::string& dataset : p.datasets)
      selection += make_manipulation(p, options, dataset, base, base_outcomes);
    write_file_atomically(options.out + "/selection.md", selection);
    std::vector<ZietlowRun> every_run = base;
    every_run.insert(every_run.end(), modified.begin(), modified.end());
    if (write_sweep_if_asked(options, zietlow_sweep(p, every_run, options.out), options.out + "/runs"))
      return 0;
    // 3. The manipulated data.
    const std::vector<SweepOutcome> mod_outcomes =
        train_zietlow_stage(options, zietlow_sweep(p, modified, options.out), "mod", argc, argv);

    // 4. The report.
    std::vector<ZietlowRun> runs = base;
    runs.insert(runs.end(), modified.begin(), modified.end());
    std::vector<SweepOutcome> outcomes = base_outcomes;
    outcomes.insert(outcomes.end(), mod_outcomes.begin(), mod_outcomes.end());
    write_report(p, options, runs, outcomes,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() / 60.0);
    return 0;
  });
}
