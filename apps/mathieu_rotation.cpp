// mathieu_rotation — Mathieu, Rainforth, Siddharth & Teh, "Disentangling Disentanglement in Variational
// Autoencoders" (ICML 2019):
//   (a) the rotation invariance of its beta-VAE analysis (stated in the abstract): a trained beta-VAE's
//       latent space rotated by random orthogonal matrices (encoder output and decoder input): the
//       isotropic-prior objective stays the same to float precision with the same noise, an anisotropic
//       prior's KL changes, and MIG / DCI (which score axis alignment) move.
//   (b) the "independence" experiments (upstream independance.sh): the decomposition VAE at beta = 1,
//       alpha = 0 with the isotropic, the anisotropic (data PCA spectrum) and the Student-t (nu = 9) prior on
//       dSprites (and XYSquares); MIG, DCI, the FactorVAE score, the normalised Hoyer sparsity and the IWAE
//       log p(x), mean ± std over seeds.
// Settings: iffsid/disentangling-disentanglement src/experimental_settings/independance.sh (10 latents,
// batch 64, Adam lr 5e-4, beta 1, 20 epochs); the untangle preset mathieu2019 (nn/presets.h).
//
// Outputs in --out: runs/<name>/ (one training run each), rotation.json, results.md, results.csv and the
// figures rotation_mig.svg, rotation_dci.svg, prior_<metric>.svg. Resumable: finished runs are skipped,
// rotation.json and each run's decomposition.json are reused.
#include <cstdio>
#include <filesystem>

#include "apps/common/args.h"
#include "apps/common/decomposition_metrics.h"
#include "apps/common/json.h"
#include "apps/common/latent_rotation.h"
#include "apps/common/pca_prior.h"
#include "apps/common/program.h"
#include "apps/common/reproduction.h"
#include "apps/common/summary.h"
#include "apps/common/svg_plot.h"
#include "apps/common/timing.h"
#include "core/file_io.h"
#include "data/samplers.h"
#include "metrics/evaluate.h"

using namespace untangle;

namespace {

const char* kUsage =
    R"(usage: mathieu_rotation [--profile quick|paper|smoke] [--device auto|cpu|cuda] [--out DIR] [--workers N]

Mathieu et al. 2019: (a) the beta-VAE objective under random rotations of the latent space (isotropic
prior: unchanged; anisotropic prior: changed) and MIG/DCI before and after; (b) isotropic vs anisotropic
vs Student-t priors for the decomposition VAE (beta 1, alpha 0) with MIG, DCI, FactorVAE score, Hoyer
sparsity and IWAE log p(x), mean ± std over seeds. Resumable (finished runs are skipped). Writes
DIR/results.md, DIR/results.csv, DIR/rotation.json and SVG figures.
  --profile quick   CPU-sized: 400 steps, 2 seeds, dSprites and XYSquares, fast metric sizes
  --profile paper   the reference's 20 dSprites epochs (230,400 steps), 5 seeds, reference sizes; for a GPU
  --profile smoke   a seconds-long check of the whole pipeline (tests)
  --workers N       train N runs at once, one thread each (default: 2 for quick and smoke, 1 for paper)
  --write-sweep FILE  write the runs as a sweep spec for `untangle sweep` (docs/scaling.md) and exit
)";

struct MathieuProfile {
  std::string name;
  long long steps, rotation_steps;  // prior runs; the rotated beta-VAE
  int batch, seeds, rotations;
  std::vector<std::string> datasets;
  std::string final_metrics, metric_sizes;
  size_t hoyer_points, iwae_points;
  int iwae_samples;
};

// smoke: MIG only (a run is finished when its metrics.json exists), one rotation.
const MathieuProfile kSmoke{"smoke", 6, 6, 16, 1, 1, {"xysquares"}, "mig", "fast", 64, 8, 2};
const MathieuProfile kQuick{"quick", 400,  600, 64, 2, 3, {"dsprites", "xysquares"}, "mig,dci,factorvae",
                            "fast",  2000, 128, 20};
const MathieuProfile kPaper{
    "paper",     230400, 230400, 64,  5, 10, {"dsprites", "xysquares"}, "mig,dci,factorvae",
    "reference", 10000,  1000,   1000};
constexpr int kLatents = 10;
const std::vector<std::string> kPriors = {"isotropic", "anisotropic", "student_t"};

std::vector<std::string> shared_flags(const MathieuProfile& p, const std::string& device, long long steps) {
  return {"--preset",
          "mathieu2019",
          "--latents",
          std::to_string(kLatents),
          "--steps",
          std::to_string(steps),
          "--batch",
          std::to_string(p.batch),
          "--device",
          device,
          "--final-metrics",
          p.final_metrics,
          "--final-sizes",
          p.metric_sizes,
          "--log-every",
          "50",
          "--checkpoint-every",
          "500"};
}

SweepRun rotation_base_run(const MathieuProfile& p, const std::string& device) {
  std::vector<std::string> flags = shared_flags(p, device, p.rotation_steps);
  for (const char* flag : {"--model", "beta_vae", "--beta", "4", "--seed", "0", "--dataset"})
    flags.push_back(flag);
  flags.push_back(p.datasets.front());
  return {"beta_vae_rotation_" + p.datasets.front(), flags};
}

struct PriorCell {
  std::string dataset, prior;
  int seed;
};

std::vector<SweepRun> prior_runs(const MathieuProfile& p, const std::string& device,
                                 std::vector<PriorCell>& cells) {
  std::vector<SweepRun> runs;
  for (int seed = 0; seed < p.seeds; ++seed)
    for (const std::string& dataset : p.datasets)
      for (const std::string& prior : kPriors) {
        std::vector<std::string> flags = shared_flags(p, device, p.steps);
        const std::vector<std::string> own = {
            "--model", "decomposition_vae", "--prior", prior,       "--beta",
            "1",       "--alpha",           "0",       "--dataset", dataset,
            "--seed",  std::to_string(seed)};
        flags.insert(flags.end(), own.begin(), own.end());
        runs.push_back({"decomposition_" + dataset + "_" + prior + "_seed" + std::to_string(seed), flags});
        cells.push_back({dataset, prior, seed});
      }
  return runs;
}

// ---- (a) the rotation demonstration --------------------------------------------------------------------

struct RotationRow {
  std::string name;  // "identity", "rotation 1", ...
  RotatedObjective objective;
  MetricScores scores;
};

std::vector<RotationRow> rotation_demonstration(const MathieuProfile& p, const std::string& run_directory) {
  TrainedRun run = load_trained_run(run_directory);
  const int D = run.config.model.latents, B = 256;
  PhiloxRng rng = PhiloxRng(run.config.seed).split(20);
  const std::vector<size_t> indices = sample_uniform_indices(*run.dataset, size_t(B), rng);
  Tensor x = Tensor::zeros({B, run.config.model.channels, run.config.model.height, run.config.model.width});
  run.inputs->fill(indices, x);
  std::vector<float> noise(size_t(B) * D);
  rng.fill_normal(noise.data(), noise.size());  // the same noise for every rotation
  // The anisotropic prior of (b): the data's PCA spectrum normalised to sum to D.
  std::vector<double> lambda = dataset_pca_spectrum(*run.dataset, D, 256, run.config.seed);
  double total = 0;
  for (double v : lambda) total += v;
  for (double& v : lambda) v *= D / total;
  EvaluationRequest request;
  request.metrics =
      p.name == "smoke" ? std::vector<std::string>{"mig"} : std::vector<std::string>{"mig", "dci"};
  request.sizes = p.metric_sizes == "fast" ? kFastSizes : kReferenceSizes;
  if (p.name == "smoke") request.sizes.mig_points = 256;  // seconds, not a measurement
  request.seed = run.config.seed;
  std::vector<RotationRow> rows;
  for (int r = 0; r <= p.rotations; ++r) {
    const std::vector<double> rotation = r == 0 ? identity_matrix(D) : random_orthogonal(D, rng);
    RotationRow row{r == 0 ? "identity" : "rotation " + std::to_string(r), {}, {}};
    row.objective = rotated_objective(*run.model, x, noise, rotation, lambda);
    DatasetCodeSource source(
        *run.dataset, rotated_representation(mean_representation(*run.model, *run.inputs), rotation, D),
        size_t(D));
    row.scores = evaluate_metrics(source, request);
    std::fprintf(stderr, "%s: reconstruction %.9g, KL iso %.9g, KL aniso %.9g\n", row.name.c_str(),
                 row.objective.reconstruction, row.objective.kl_isotropic, row.objective.kl_anisotropic);
    rows.push_back(row);
  }
  return rows;
}

JsonObject rotation_json(const std::vector<RotationRow>& rows) {
  JsonObject json;
  for (const RotationRow& row : rows) {
    JsonObject entry;
    entry.add("reconstruction", row.objective.reconstruction)
        .add("kl_isotropic", row.objective.kl_isotropic)
        .add("kl_anisotropic", row.objective.kl_anisotropic);
    for (const auto& [name, value] : row.scores) entry.add(name, value);
    json.add(row.name, entry);
  }
  return json;
}

// "%.9g" keeps the float-precision digits visible in the table.
std::string precise(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%.9g", value);
  return buffer;
}

std::string rotation_report(const std::vector<RotationRow>& rows, const std::string& out) {
  const double base = rows[0].objective.reconstruction + rows[0].objective.kl_isotropic;
  std::vector<std::vector<std::string>> table;
  StripGroup mig{"MIG", {}, "#4c72b0"}, dci{"DCI", {}, "#dd8452"};
  std::vector<StripGroup> mig_groups, dci_groups;
  double largest_iso_change = 0, smallest_aniso_change = INFINITY;
  for (const RotationRow& row : rows) {
    const double objective = row.objective.reconstruction + row.objective.kl_isotropic;
    const double iso_change = std::abs(objective - base) / std::abs(base);
    const double aniso_change = std::abs(row.objective.kl_anisotropic - rows[0].objective.kl_anisotropic);
    std::vector<std::string> cells = {row.name,
                                      precise(row.objective.reconstruction),
                                      precise(row.objective.kl_isotropic),
                                      precise(objective),
                                      short_number(iso_change),
                                      precise(row.objective.kl_anisotropic)};
    for (const auto& [name, value] : row.scores) cells.push_back(short_number(value));
    table.push_back(cells);
    if (&row != &rows[0])
      largest_iso_change = std::max(largest_iso_change, iso_change),
      smallest_aniso_change = std::min(smallest_aniso_change, aniso_change);
    for (const auto& [name, value] : row.scores) {
      auto& groups = name == "mig" ? mig_groups : dci_groups;
      if (name != "mig" && name != "dci.disentanglement") continue;
      const std::string label = &row == &rows[0] ? "identity" : "rotated";
      if (groups.empty() || groups.back().label != label)
        groups.push_back({label, {}, label == "identity" ? "#4c72b0" : "#dd8452"});
      groups.back().values.push_back(value);
    }
  }
  std::vector<std::string> header = {"latent space",          "reconstruction",  "KL to N(0, I)",
                                     "objective (isotropic)", "relative change", "KL to N(0, diag lambda)"};
  for (const auto& [name, value] : rows[0].scores) header.push_back(name);
  write_strip_plot(out + "/rotation_mig.svg", mig_groups,
                   {"MIG of the beta-VAE before and after rotation", "", "MIG", 0, 1, true});
  if (!dci_groups.empty())
    write_strip_plot(out + "/rotation_dci.svg", dci_groups,
                     {"DCI disentanglement before and after rotation", "", "DCI", 0, 1, true});
  return markdown_table(header, table) +
         "\nLargest relative change of the isotropic objective under a rotation: " +
         short_number(largest_iso_change) +
         "; smallest absolute change of the anisotropic KL: " + short_number(smallest_aniso_change) +
         " nats.\n";
}

// ---- (b) the prior comparison --------------------------------------------------------------------------

// Hoyer sparsity and IWAE log p(x) of a finished run, cached in its decomposition.json.
std::map<std::string, double> decomposition_scores(const MathieuProfile& p,
                                                   const std::string& run_directory) {
  const std::string path = run_directory + "/decomposition.json";
  if (std::filesystem::exists(path)) {
    std::map<std::string, double> scores;
    std::vector<uint8_t> bytes = read_file_bytes(path);
    for (const auto& [name, value] : parse_flat_json(std::string(bytes.begin(), bytes.end()), path))
      scores[name] = std::stod(value);
    return scores;
  }
  TrainedRun run = load_trained_run(run_directory);
  const double hoyer =
      model_hoyer_sparsity(*run.model, *run.dataset, *run.inputs, p.hoyer_points, run.config.seed);
  const double log_px = model_log_likelihood(*run.model, *run.dataset, *run.inputs, p.iwae_points,
                                             p.iwae_samples, run.config.seed);
  JsonObject json;
  json.add("hoyer_sparsity", hoyer).add("iwae_log_px", log_px);
  write_file_atomically(path, json.str(2) + "\n");
  return {{"hoyer_sparsity", hoyer}, {"iwae_log_px", log_px}};
}

const std::vector<std::pair<std::string, std::string>> kReported = {
    {"factorvae.eval_accuracy", "FactorVAE score"},
    {"mig", "MIG"},
    {"dci.disentanglement", "DCI disentanglement"},
    {"hoyer_sparsity", "Hoyer sparsity"},
    {"iwae_log_px", "IWAE log p(x)"},
    {"elbo", "final ELBO loss"}};

std::string prior_report(const MathieuProfile& p, const std::vector<PriorCell>& cells,
                         const std::vector<SweepOutcome>& outcomes, const std::string& out) {
  // values[dataset/prior][metric] over seeds
  std::map<std::string, std::map<std::string, std::vector<double>>> values;
  std::string csv = "run,dataset,prior,seed";
  for (const auto& [key, label] : kReported) csv += "," + key;
  csv += "\n";
  for (size_t i = 0; i < outcomes.size(); ++i) {
    std::map<std::string, double> scores = outcomes[i].metrics;
    if (!outcomes[i].failed)
      for (const auto& [name, value] : decomposition_scores(p, out + "/runs/" + outcomes[i].name))
        scores[name] = value;
    auto last = outcomes[i].last_logged.find("elbo");
    if (last != outcomes[i].last_logged.end()) scores["elbo"] = last->second;
    csv += outcomes[i].name + "," + cells[i].dataset + "," + cells[i].prior + "," +
           std::to_string(cells[i].seed);
    for (const auto& [key, label] : kReported) {
      const double value = scores.count(key) ? scores[key] : NAN;
      values[cells[i].dataset + "/" + cells[i].prior][key].push_back(value);
      csv += "," + JsonObject::number(value);
    }
    csv += "\n";
  }
  write_file_atomically(out + "/results.csv", csv);
  std::vector<std::string> header = {"dataset", "prior"};
  for (const auto& [key, label] : kReported) header.push_back(label);
  std::vector<std::vector<std::string>> rows;
  for (const std::string& dataset : p.datasets)
    for (const std::string& prior : kPriors) {
      std::vector<std::string> row = {dataset, prior};
      for (const auto& [key, label] : kReported)
        row.push_back(mean_std_text(mean_and_std(values[dataset + "/" + prior][key])));
      rows.push_back(row);
    }
  for (const auto& [key, label] : kReported) {
    if (key == "iwae_log_px" || key == "elbo") continue;  // not in [0, 1]
    std::vector<StripGroup> groups;
    const char* colours[] = {"#4c72b0", "#dd8452", "#55a868"};
    for (const std::string& dataset : p.datasets)
      for (size_t k = 0; k < kPriors.size(); ++k)
        groups.push_back({dataset + " " + kPriors[k], values[dataset + "/" + kPriors[k]][key], colours[k]});
    std::string file = key.substr(0, key.find('.'));
    write_strip_plot(out + "/prior_" + file + ".svg", groups, {label + " by prior", "", label, 0, 1, true});
  }
  return markdown_table(header, rows);
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("mathieu_rotation", kUsage, argc, argv, {}, [&](Args& args) {
    const ReproductionOptions options =
        read_reproduction_options(args, "mathieu_rotation", {"quick", "paper", "smoke"});
    args.reject_unknown();
    const MathieuProfile& p = chosen_profile(options, kQuick, kPaper, kSmoke);
    std::filesystem::create_directories(options.out + "/runs");
    std::vector<PriorCell> cells;
    std::vector<SweepRun> runs = {rotation_base_run(p, options.device)};
    for (const SweepRun& run : prior_runs(p, options.device, cells)) runs.push_back(run);
    std::fprintf(stderr, "profile %s: %zu runs into %s/runs\n", p.name.c_str(), runs.size(),
                 options.out.c_str());
    const double start = now_ms();
    if (write_sweep_if_asked(options, runs, options.out + "/runs")) return 0;
    std::vector<SweepOutcome> outcomes = train_sweep(options, runs, options.out + "/runs", argc, argv);
    if (options.is_worker()) return 0;
    const double trained = now_ms();
    const std::string rotation_path = options.out + "/rotation.md";
    if (!std::filesystem::exists(rotation_path)) {
      const std::vector<RotationRow> rows = rotation_demonstration(p, options.out + "/runs/" + runs[0].name);
      write_file_atomically(options.out + "/rotation.json", rotation_json(rows).str(2) + "\n");
      write_file_atomically(rotation_path, rotation_report(rows, options.out));
    }
    std::vector<uint8_t> rotation_bytes = read_file_bytes(rotation_path);
    const double rotated = now_ms();
    outcomes.erase(outcomes.begin());
    const std::string priors = prior_report(p, cells, outcomes, options.out);
    char timing[200];
    std::snprintf(timing, sizeof(timing),
                  "Wall time of this invocation: training %.0f s, rotation %.0f s, prior metrics %.0f s.\n",
                  (trained - start) / 1000, (rotated - trained) / 1000, (now_ms() - rotated) / 1000);
    const std::string report = "# Mathieu et al. 2019 (profile " + p.name +
                               ")\n\n## (a) Rotating a beta-VAE's latent space (" + runs[0].name + ", " +
                               std::to_string(p.rotation_steps) + " steps)\n\n" +
                               std::string(rotation_bytes.begin(), rotation_bytes.end()) +
                               "\n## (b) Priors at beta = 1, alpha = 0 (" + std::to_string(p.steps) +
                               " steps, batch " + std::to_string(p.batch) + ", " + p.metric_sizes +
                               " metric sizes; mean ± std over seeds)\n\n" + priors + "\n" + timing;
    write_file_atomically(options.out + "/results.md", report);
    std::printf("%s", report.c_str());
    return 0;
  });
}
