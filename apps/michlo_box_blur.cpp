// michlo_box_blur — Michlo et al., "Overlooked Implications of the Reconstruction Loss for VAE
// Disentanglement", Fig. 10/11: on the adversarial XYSquares (spacing 8, constant pixel-wise distance
// along every factor), replacing MSE by MSE + a 63×63 box-blurred MSE term (weight 3969) makes the
// perceived distances grow with the factor distance again, and restores disentanglement.
//
// Sweep (disent's research/e03_modified_loss_xysquares experiment; docs/reproductions/michlo.md): β-VAE and
// Ada-GVAE with β ∈ {0.0316, 0.0001}, z = 25, reconstruction ∈ {mse, mse_box_r31_l1.0_k3969.0}, XYSquares,
// 57,600 steps, 5 repeats; AE (z = 25) × {mse, box}, 3 repeats. disent's preset: Adam 1e-3, batch 256,
// standardised inputs, Burgess nets. The paper plots the maximum of the periodic fast MIG / DCI evaluations.
//
// Outputs in --out: runs/<name>/ (one run directory each), results.csv (one row per run),
// results.md (mean ± std per setting beside the paper's result; the table is apps/common/paper_tables.h's
// michlo-blur, as `untangle report DIR/runs --table michlo-blur` makes it), tables/ (that table as .md,
// .tex, .csv and a strip plot), mig.svg and dci.svg (every repeat and its mean ± std), distances/
// (Fig. 10's data side: the MSE and blur perceived distance matrices).
#include <cstdio>
#include <filesystem>
#include <map>

#include "apps/common/args.h"
#include "apps/common/distance_files.h"
#include "apps/common/json.h"
#include "apps/common/paper_tables.h"
#include "apps/common/program.h"
#include "apps/common/reproduction.h"
#include "apps/common/summary.h"
#include "apps/common/svg_plot.h"
#include "apps/common/sweep.h"
#include "core/file_io.h"
#include "data/registry.h"

using namespace untangle;

namespace {

const char* kUsage =
    R"(usage: michlo_box_blur [--profile quick|paper|smoke] [--device auto|cpu|cuda] [--out DIR]

Michlo et al. Fig. 10/11: MSE vs MSE + box blur (mse_box_r31_l1.0_k3969.0) for beta-VAE, Ada-GVAE and an
AE on XYSquares (spacing 8). Trains the sweep (resumable: finished runs are skipped), then writes
DIR/results.md (MIG / DCI mean +- std per setting, beside the paper), DIR/results.csv, DIR/mig.svg,
DIR/dci.svg and DIR/distances/ (perceived distance matrices under both losses).
  --profile quick   beta-VAE (1,500 steps) and Ada-GVAE (1,000 steps) at beta 0.0001, 3 repeats,
                    batch 32, fast metrics; no AE (default; sized for 30 minutes on a 2-core CPU)
  --profile paper   the reference's settings: 57,600 steps, batch 256, z 25, beta {0.0316, 0.0001},
                    5 repeats (AE 3), max of periodic fast metrics; meant for a GPU
  --profile smoke   30 steps, batch 16, 1 repeat, 4 traversals per factor: every stage end to end in
                    about 3 minutes (numbers mean nothing)
  --device D        auto (default), cpu or cuda, for every training run
  --out DIR         default out/michlo_box_blur
  --workers N       train N runs at once, one thread each (default: 1 for paper, else 2)
  --write-sweep FILE  write the runs as a sweep spec for `untangle sweep` (docs/scaling.md) and exit
)";

struct BoxBlurProfile {
  TrainingProfile training;
  int latents;
  std::vector<double> betas;
  int ae_repeats;
  size_t distance_repeats;   // traversals per factor for the distance matrices
  long long ada_gvae_steps;  // 0: as every other model (training.steps)
};

// quick: sized from measurements on the 2-core development machine (two single-threaded runs at once:
// β-VAE 7.5 steps/s, Ada-GVAE about 4 — it encodes and decodes a pair per example). What a short run can
// show was measured first (docs/reproductions/michlo.md, "choosing the quick profile"): at β = 0.0316 the
// MSE models collapse to the mean image within 500 steps while the box-blur ones have barely started,
// so that β compares nothing yet; at β = 0.0001 both losses train, the box-blur MIG of β-VAE pulls away
// from MSE's by step 1,500 and Ada-GVAE's by step 500. So the quick profile spends its budget on one β
// and 3 repeats of each setting (a spread, and an order test: 3 box runs above 3 MSE runs happens by
// chance with p = 0.05) rather than on both β and the AE; Ada-GVAE's runs are 1,000 steps so the whole
// sweep fits 30 minutes (measured: 1,500 steps each came to 32). Final fast metrics, not the periodic
// maximum. 1,500 × 32 observations is about 1/300 of one paper run.
const BoxBlurProfile kQuick{{"quick", 1500, 32, 3, "fast", 0}, 25, {0.0001}, 0, 64, 1000};
const BoxBlurProfile kPaper{{"paper", 57600, 256, 5, "reference", 2400}, 25, {0.0316, 0.0001}, 3, 256, 0};
const BoxBlurProfile kSmoke{{"smoke", 30, 16, 1, "fast", 0}, 25, {0.0001}, 1, 4, 0};

struct Setting {
  std::string model, reconstruction;  // reconstruction: mse | mse_box
  double beta;                        // unused by the AE
  int repeats;

  std::string label() const {
    std::string name = model == "ada_gvae" ? "Ada-GVAE" : model == "beta_vae" ? "beta-VAE" : "AE";
    if (model != "ae") name += " b=" + short_number(beta);
    return name + (reconstruction == "mse" ? " MSE" : " box");
  }
  std::string run_name(int repeat) const {
    std::string name = model;
    if (model != "ae") name += "_beta" + short_number(beta);
    return name + "_" + reconstruction + "_seed" + std::to_string(repeat);
  }
};

std::vector<Setting> settings_of(const BoxBlurProfile& profile) {
  std::vector<Setting> settings;
  for (const char* model : {"beta_vae", "ada_gvae"})
    for (double beta : profile.betas)
      for (const char* loss : {"mse", "mse_box"})
        settings.push_back({model, loss, beta, profile.training.repeats});
  if (profile.ae_repeats > 0)
    for (const char* loss : {"mse", "mse_box"}) settings.push_back({"ae", loss, 0.0, profile.ae_repeats});
  return settings;
}

std::vector<std::string> run_flags(const BoxBlurProfile& profile, const Setting& setting, int repeat,
                                   const std::string& device) {
  TrainingProfile training = profile.training;
  if (setting.model == "ada_gvae" && profile.ada_gvae_steps > 0) training.steps = profile.ada_gvae_steps;
  std::vector<std::string> flags = profile_flags(training, device, setting.model);
  const std::vector<std::string> own = {"--model",          setting.model,
                                        "--dataset",        "xysquares",
                                        "--spacing",        "8",
                                        "--latents",        std::to_string(profile.latents),
                                        "--reconstruction", setting.reconstruction,
                                        "--seed",           std::to_string(repeat)};
  flags.insert(flags.end(), own.begin(), own.end());
  if (setting.model != "ae") flags.insert(flags.end(), {"--beta", short_number(setting.beta)});
  return flags;
}

// The paper's qualitative result for a setting (Fig. 11; the AE is in the sweep, not the figure).
std::string paper_result(const Setting& setting) {
  if (setting.model == "ae") return "not in the figure (run in the sweep)";
  return setting.reconstruction == "mse" ? "low: pixel MSE cannot order XYSquares"
                                         : "clearly higher than MSE (\"significantly improves\")";
}

// The sweep, repeat-major so that an interrupted sweep has every setting about equally far along;
// setting_of_run[i] is the index of run i's setting.
std::vector<SweepRun> sweep_runs(const BoxBlurProfile& profile, const std::vector<Setting>& settings,
                                 const std::string& device, std::vector<size_t>& setting_of_run) {
  std::vector<SweepRun> runs;
  int most_repeats = 0;
  for (const Setting& s : settings) most_repeats = std::max(most_repeats, s.repeats);
  for (int repeat = 0; repeat < most_repeats; ++repeat)
    for (size_t k = 0; k < settings.size(); ++k) {
      if (repeat >= settings[k].repeats) continue;
      runs.push_back({settings[k].run_name(repeat), run_flags(profile, settings[k], repeat, device)});
      setting_of_run.push_back(k);
    }
  return runs;
}

// Every run's MIG and DCI disentanglement, and besides the two scores DCI informativeness (test accuracy of
// predicting the factors from the code; chance is 1/8) and the final KL, which tell a collapsed model (the
// mean image, KL ≈ 0) apart from one that encodes the factors but entangled. Grouped by setting label;
// also written as results.csv, one row per run.
ScoreGroups collect_scores(const BoxBlurProfile& profile, const std::vector<Setting>& settings,
                           const std::vector<size_t>& setting_of_run,
                           const std::vector<SweepOutcome>& outcomes, const std::string& out) {
  const TrainingProfile& training = profile.training;
  const std::vector<std::pair<std::string, std::string>> scores = {
      {"mig", reported_metric_key(training, "mig")},
      {"dci", reported_metric_key(training, "dci.disentanglement")},
      {"informativeness", reported_metric_key(training, "dci.informativeness_test")}};
  ScoreGroups groups;
  std::string csv = "run,model,beta,reconstruction,seed," + reported_metric_column(training, "mig") + "," +
                    reported_metric_column(training, "dci.disentanglement") + "," +
                    reported_metric_column(training, "dci.informativeness_test") + ",kl\n";
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Setting& s = settings[setting_of_run[i]];
    csv += outcomes[i].name + "," + s.model + "," + short_number(s.beta) + "," + s.reconstruction + "," +
           outcomes[i].name.substr(outcomes[i].name.rfind("seed") + 4);
    for (const auto& [group_key, metric_key] : scores) {
      groups.add(s.label(), group_key, metric_of(outcomes[i], metric_key));
      csv += "," + JsonObject::number(groups.values(s.label(), group_key).back());
    }
    auto kl = outcomes[i].last_logged.find("kl");
    groups.add(s.label(), "kl", kl == outcomes[i].last_logged.end() ? NAN : kl->second);
    csv += "," + JsonObject::number(groups.values(s.label(), "kl").back()) + "\n";
  }
  write_file_atomically(out + "/results.csv", csv);
  return groups;
}

// The question of the figure, answered per row of the table: is the box blur's MIG higher than MSE's?
std::string verdict_markdown(const PaperTable& table) {
  std::vector<std::vector<std::string>> verdicts;
  auto difference = [](const MeanStd& mse, const MeanStd& box) {
    char text[64];
    std::snprintf(text, sizeof(text), "%+.3f", box.mean - mse.mean);
    return mse.count && box.count ? std::string(text) : std::string("—");
  };
  for (const std::string& row : table.rows) {
    const TableCell &mse = table.cell(row, "MIG, MSE"), &box = table.cell(row, "MIG, box blur");
    if (mse.runs + box.runs == 0) continue;
    const MeanStd mse_mig = mse.ours(), box_mig = box.ours();
    verdicts.push_back(
        {row, difference(mse_mig, box_mig),
         difference(table.cell(row, "DCI, MSE").ours(), table.cell(row, "DCI, box blur").ours()),
         box_mig.count && mse_mig.count ? (box_mig.mean > mse_mig.mean ? "yes" : "no") : "—",
         order_text(compare_order(mse.values, box.values)), row == "AE" ? "—" : "yes"});
  }
  return markdown_table({"setting", "MIG box − MSE", "DCI box − MSE", "box MIG higher (ours)",
                         "box-vs-MSE run pairs with the higher MIG on box", "box higher (paper)"},
                        verdicts) +
         "\nRun pairs: every (MSE run, box run) pair of a setting, counted when the box run has the higher "
         "MIG. When "
         "all are, p is the chance of that order under no effect (one-sided Mann–Whitney, exact).\n";
}

// results.md (the table as `untangle report DIR/runs --table michlo-blur` makes it, the verdicts, the
// diagnostics), tables/, mig.svg and dci.svg.
void write_report(const BoxBlurProfile& profile, const std::vector<Setting>& settings,
                  const ScoreGroups& scores, const std::string& out) {
  const PaperTable table = make_paper_table("michlo-blur", read_results_folder(out + "/runs"));
  write_paper_table(table, out + "/tables");
  std::vector<std::vector<std::string>> diagnostics;
  std::vector<StripGroup> mig_groups, dci_groups;
  for (const Setting& s : settings) {
    diagnostics.push_back({s.label(), mean_std_text(scores.summary(s.label(), "informativeness")),
                           mean_std_text(scores.summary(s.label(), "kl")), paper_result(s)});
    const std::string colour = s.reconstruction == "mse" ? "#8172b2" : "#dd8452";
    mig_groups.push_back({s.label(), scores.values(s.label(), "mig"), colour});
    dci_groups.push_back({s.label(), scores.values(s.label(), "dci"), colour});
  }
  std::string steps = std::to_string(profile.training.steps) + " steps";
  if (profile.ada_gvae_steps > 0) steps += " (Ada-GVAE " + std::to_string(profile.ada_gvae_steps) + ")";
  char settings_line[320];
  std::snprintf(settings_line, sizeof(settings_line),
                "%s, batch %d, z %d, disent preset (Adam 1e-3, standardised inputs), %s metric sizes.\n\n",
                steps.c_str(), profile.training.batch, profile.latents,
                profile.training.metric_sizes.c_str());
  const std::string report =
      "# Michlo et al. Fig. 11 — MSE vs MSE + box blur on XYSquares (profile " + profile.training.name +
      ")\n\n" + settings_line + table_markdown(table) + "\n## Box blur against MSE\n\n" +
      verdict_markdown(table) +
      "\n## Collapsed or entangled?\n\nDCI informativeness (test accuracy of predicting the factors from the "
      "code; "
      "chance is 1/8) and the KL of the last logged interval: a collapsed model (the mean image) has KL ≈ "
      "0.\n\n" +
      markdown_table({"setting", "DCI informativeness", "KL at end", "paper (Fig. 11)"}, diagnostics);
  write_file_atomically(out + "/results.md", report);
  PlotLabels mig_labels{"MIG on XYSquares: MSE (purple) vs box blur (orange)", "", "MIG", 0.0, 1.0, true};
  PlotLabels dci_labels{
      "DCI disentanglement on XYSquares: MSE (purple) vs box blur (orange)", "", "DCI", 0.0, 1.0, true};
  write_strip_plot(out + "/mig.svg", mig_groups, mig_labels);
  write_strip_plot(out + "/dci.svg", dci_groups, dci_labels);
  std::printf("\n%s\n", report.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("michlo_box_blur", kUsage, argc, argv, {}, [&](Args& args) {
    const ReproductionOptions options = read_reproduction_options(args, "michlo_box_blur");
    args.reject_unknown();
    const BoxBlurProfile& profile = chosen_profile(options, kQuick, kPaper, kSmoke);
    std::filesystem::create_directories(options.out + "/runs");

    // Fig. 10's data side first (seconds): what each loss perceives along the traversals.
    auto dataset = make_dataset("xysquares");
    if (!options.is_worker()) {
      std::fprintf(stderr, "distance matrices (mse, blur; %zu traversals per factor) -> %s/distances\n",
                   profile.distance_repeats, options.out.c_str());
      for (const char* loss : {"mse", "blur"})
        write_distance_matrices(*dataset, loss, profile.distance_repeats, 0, options.out + "/distances");
    }

    const std::vector<Setting> settings = settings_of(profile);
    std::vector<size_t> setting_of_run;
    const std::vector<SweepRun> runs = sweep_runs(profile, settings, options.device, setting_of_run);
    std::fprintf(stderr, "profile %s: %zu runs of %lld steps (Ada-GVAE %lld; batch %d) into %s/runs\n",
                 profile.training.name.c_str(), runs.size(), profile.training.steps,
                 profile.ada_gvae_steps > 0 ? profile.ada_gvae_steps : profile.training.steps,
                 profile.training.batch, options.out.c_str());
    if (write_sweep_if_asked(options, runs, options.out + "/runs")) return 0;
    const std::vector<SweepOutcome> outcomes = train_sweep(options, runs, options.out + "/runs", argc, argv);
    if (options.is_worker()) return 0;
    write_report(profile, settings, collect_scores(profile, settings, setting_of_run, outcomes, options.out),
                 options.out);
    std::printf("figures: %s/mig.svg, %s/dci.svg; distance matrices: %s/distances/*.png; runs: %s/runs/\n",
                options.out.c_str(), options.out.c_str(), options.out.c_str(), options.out.c_str());
    return 0;
  });
}
