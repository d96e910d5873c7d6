// michlo_box_blur — Michlo et al., "Overlooked Implications of the Reconstruction Loss for VAE
// Disentanglement", Fig. 10/11: on the adversarial XYSquares (spacing 8, constant pixel-wise distance
// along every factor), replacing MSE by MSE + a 63×63 box-blurred MSE term (weight 3969) makes the
// perceived distances grow with the factor distance again, and restores disentanglement.
//
// Sweep (disent's research/e03_modified_loss_xysquares experiment; docs/reproductions/michlo.md): β-VAE and Ada-GVAE with β ∈
// {0.0316, 0.0001}, z = 25, reconstruction ∈ {mse, mse_box_r31_l1.0_k3969.0}, XYSquares, 57,600 steps,
// 5 repeats; AE (z = 25) × {mse, box}, 3 repeats. disent's preset: Adam 1e-3, batch 256, standardised
// inputs, Burgess nets. The paper plots the maximum of the periodic fast MIG / DCI evaluations.
//
// Outputs in --out: runs/<name>/ (one run directory each), results.csv (one row per run),
// results.md (mean ± std per setting beside the paper's result), mig.svg and dci.svg (every repeat
// and its mean ± std), distances/ (Fig. 10's data side: the MSE and blur perceived distance matrices).
#include <cstdio>
#include <filesystem>
#include <map>

#include "apps/common/args.h"
#include "apps/common/program.h"
#include "apps/common/distance_files.h"
#include "apps/common/json.h"
#include "apps/common/reproduction.h"
#include "apps/common/summary.h"
#include "apps/common/svg_plot.h"
#include "apps/common/sweep.h"
#include "data/registry.h"
#include "core/file_io.h"

using namespace untangle;

namespace {

const char* kUsage = R"(usage: michlo_box_blur [--profile quick|paper|smoke] [--device auto|cpu|cuda] [--out DIR]

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
)";

struct BoxBlurProfile {
  TrainingProfile training;
  int latents;
  std::vector<double> betas;
  int ae_repeats;
  size_t distance_repeats;  // traversals per factor for the distance matrices
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
      for (const char* loss : {"mse", "mse_box"}) settings.push_back({model, loss, beta, profile.training.repeats});
  if (profile.ae_repeats > 0)
    for (const char* loss : {"mse", "mse_box"}) settings.push_back({"ae", loss, 0.0, profile.ae_repeats});
  return settings;
}

std::vector<std::string> run_flags(const BoxBlurProfile& profile, const Setting& setting, int repeat,
                                   const std::string& device) {
  TrainingProfile training = profile.training;
  if (setting.model == "ada_gvae" && profile.ada_gvae_steps > 0) training.steps = profile.ada_gvae_steps;
  std::vector<std::string> flags = profile_flags(training, device, setting.model);
  const std::vector<std::string> own = {"--model", setting.model, "--dataset", "xysquares", "--spacing", "8",
                                        "--latents", std::to_string(profile.latents), "--reconstruction",
                                        setting.reconstruction, "--seed", std::to_string(repeat)};
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

}  // namespace

int main(int argc, char** argv) {
  return run_program("michlo_box_blur", kUsage, argc, argv, {}, [&](Args& args) {
    const ReproductionOptions options = read_reproduction_options(args, "michlo_box_blur");
    args.reject_unknown();
    const BoxBlurProfile& profile =
        options.profile == "paper" ? kPaper : options.profile == "smoke" ? kSmoke : kQuick;
    std::filesystem::create_directories(options.out + "/runs");

    // Fig. 10's data side first (seconds): what each loss perceives along the traversals.
    auto dataset = make_dataset("xysquares");
    if (!options.is_worker()) {
      std::fprintf(stderr, "distance matrices (mse, blur; %zu traversals per factor) -> %s/distances\n",
                 profile.distance_repeats, options.out.c_str());
    for (const char* loss : {"mse", "blur"})
        write_distance_matrices(*dataset, loss, profile.distance_repeats, 0, options.out + "/distances");
    }

    // The sweep, repeat-major so that an interrupted sweep has every setting about equally far along.
    const std::vector<Setting> settings = settings_of(profile);
    std::vector<SweepRun> runs;
    std::vector<size_t> setting_of_run;
    int most_repeats = 0;
    for (const Setting& s : settings) most_repeats = std::max(most_repeats, s.repeats);
    for (int repeat = 0; repeat < most_repeats; ++repeat)
      for (size_t k = 0; k < settings.size(); ++k) {
        if (repeat >= settings[k].repeats) continue;
        runs.push_back({settings[k].run_name(repeat), run_flags(profile, settings[k], repeat, options.device)});
        setting_of_run.push_back(k);
      }
    std::fprintf(stderr, "profile %s: %zu runs of %lld steps (Ada-GVAE %lld; batch %d) into %s/runs\n",
                 profile.training.name.c_str(), runs.size(), profile.training.steps,
                 profile.ada_gvae_steps > 0 ? profile.ada_gvae_steps : profile.training.steps, profile.training.batch,
                 options.out.c_str());
    const std::vector<SweepOutcome> outcomes = train_sweep(options, runs, options.out + "/runs", argc, argv);
    if (options.is_worker()) return 0;

    // Per setting: every repeat's MIG and DCI disentanglement.
    const std::string mig_key = reported_metric_key(profile.training, "mig");
    const std::string dci_key = reported_metric_key(profile.training, "dci.disentanglement");
    const std::string informativeness_key = reported_metric_key(profile.training, "dci.informativeness_test");
    // Besides the two scores: DCI informativeness (test accuracy of predicting the factors from the code;
    // chance is 1/8) and the final KL, which tell a collapsed model (the mean image, KL ≈ 0) apart from
    // one that encodes the factors but entangled.
    std::vector<std::vector<double>> migs(settings.size()), dcis(settings.size()), infos(settings.size()),
        kls(settings.size());
    std::string csv = "run,model,beta,reconstruction,seed," + reported_metric_column(profile.training, "mig") + "," +
                      reported_metric_column(profile.training, "dci.disentanglement") + "," +
                      reported_metric_column(profile.training, "dci.informativeness_test") + ",kl\n";
    for (size_t i = 0; i < outcomes.size(); ++i) {
      const Setting& s = settings[setting_of_run[i]];
      auto value = [&](const std::string& key) {
        auto it = outcomes[i].metrics.find(key);
        return it == outcomes[i].metrics.end() ? NAN : it->second;
      };
      migs[setting_of_run[i]].push_back(value(mig_key));
      dcis[setting_of_run[i]].push_back(value(dci_key));
      infos[setting_of_run[i]].push_back(value(informativeness_key));
      auto kl = outcomes[i].last_logged.find("kl");
      kls[setting_of_run[i]].push_back(kl == outcomes[i].last_logged.end() ? NAN : kl->second);
      csv += outcomes[i].name + "," + s.model + "," + short_number(s.beta) + "," + s.reconstruction + "," +
             runs[i].name.substr(runs[i].name.rfind("seed") + 4) + "," + JsonObject::number(value(mig_key)) + "," +
             JsonObject::number(value(dci_key)) + "," + JsonObject::number(value(informativeness_key)) + "," +
             JsonObject::number(kls[setting_of_run[i]].back()) + "\n";
    }
    write_file_atomically(options.out + "/results.csv", csv);

    std::vector<std::vector<std::string>> rows;
    std::vector<StripGroup> mig_groups, dci_groups;
    for (size_t k = 0; k < settings.size(); ++k) {
      const Setting& s = settings[k];
      rows.push_back({s.label(), mean_std_text(mean_and_std(migs[k])), mean_std_text(mean_and_std(dcis[k])),
                      mean_std_text(mean_and_std(infos[k])), mean_std_text(mean_and_std(kls[k])),
                      paper_result(s)});
      const std::string colour = s.reconstruction == "mse" ? "#8172b2" : "#dd8452";
      mig_groups.push_back({s.label(), migs[k], colour});
      dci_groups.push_back({s.label(), dcis[k], colour});
    }
    // The question of the figure, answered per model: is the blur loss's mean MIG higher?
    std::vector<std::vector<std::string>> verdicts;
    for (size_t k = 0; k + 1 < settings.size(); ++k) {
      if (settings[k].reconstruction != "mse" || settings[k + 1].reconstruction != "mse_box") continue;
      const MeanStd mse = mean_and_std(migs[k]), box = mean_and_std(migs[k + 1]);
      const MeanStd mse_dci = mean_and_std(dcis[k]), box_dci = mean_and_std(dcis[k + 1]);
      std::string label = settings[k].label();
      label = label.substr(0, label.size() - 4);  // without " MSE"
      auto difference = [](const MeanStd& a, const MeanStd& b) {
        char text[64];
        std::snprintf(text, sizeof(text), "%+.3f", b.mean - a.mean);
        return a.count && b.count ? std::string(text) : std::string("—");
      };
      verdicts.push_back({label, difference(mse, box), difference(mse_dci, box_dci),
                          box.count && mse.count ? (box.mean > mse.mean ? "yes" : "no") : "—",
                          order_text(compare_order(migs[k], migs[k + 1])),
                          settings[k].model == "ae" ? "—" : "yes"});
    }
    const std::string table = markdown_table(
        {"setting", "MIG (" + mig_key + ")", "DCI disentanglement", "DCI informativeness", "KL at end", "paper (Fig. 11)"},
        rows);
    const std::string verdict_table =
        markdown_table({"model", "MIG box − MSE", "DCI box − MSE", "box MIG higher (ours)",
                        "box-vs-MSE run pairs with the higher MIG on box", "box higher (paper)"}, verdicts);

    std::string report = "# Michlo et al. Fig. 11 — MSE vs MSE + box blur on XYSquares (profile " +
                         profile.training.name + ")\n\n";
    std::string steps = std::to_string(profile.training.steps) + " steps";
    if (profile.ada_gvae_steps > 0) steps += " (Ada-GVAE " + std::to_string(profile.ada_gvae_steps) + ")";
    char settings_line[320];
    std::snprintf(settings_line, sizeof(settings_line),
                  "%s, batch %d, z %d, disent preset (Adam 1e-3, standardised inputs), %s metric sizes; "
                  "mean ± std over repeats (n per row).\n\n",
                  steps.c_str(), profile.training.batch, profile.latents, profile.training.metric_sizes.c_str());
    report += settings_line + table + "\n" + verdict_table +
              "\nRun pairs: every (MSE run, box run) pair of a model, counted when the box run has the higher "
              "MIG. When all are, p is the chance of that order under no effect (one-sided Mann–Whitney, exact).\n";
    write_file_atomically(options.out + "/results.md", report);
    PlotLabels mig_labels{"MIG on XYSquares: MSE (purple) vs box blur (orange)", "", "MIG", 0.0, 1.0, true};
    PlotLabels dci_labels{"DCI disentanglement on XYSquares: MSE (purple) vs box blur (orange)", "", "DCI", 0.0, 1.0, true};
    write_strip_plot(options.out + "/mig.svg", mig_groups, mig_labels);
    write_strip_plot(options.out + "/dci.svg", dci_groups, dci_labels);

    std::printf("\n%s\n", report.c_str());
    std::printf("figures: %s/mig.svg, %s/dci.svg; distance matrices: %s/distances/*.png; runs: %s/runs/\n",
                options.out.c_str(), options.out.c_str(), options.out.c_str(), options.out.c_str());
    return 0;
  });
}
