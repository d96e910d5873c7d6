// What the Zietlow et al. 2021 reproduction apps (apps/zietlow_tables.cpp, apps/zietlow_line_search.cpp)
// share: the models of Table 1 with their primary hyperparameters (Table 2), the data variants, the
// paper's numbers (Tables 1, 3, 4, 5; the ICML version's Table 1 adds the AE's mod./noise cells and the
// weakly supervised GAN row), run flags, the choice of the entangled and disentangled restarts (§4.3),
// the over-pruning filter (§5.3), and the manipulation's checks and Fig. 4.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "apps/common/manipulation_training.h"
#include "apps/common/reproduction.h"
#include "apps/common/summary.h"
#include "apps/common/sweep.h"

namespace untangle {

struct ZietlowModel {
  std::string name;   // registry name
  std::string label;  // as the paper's tables write it
  // Trained with a KL to N(0, I), so the over-pruning filter applies (not the AE, PCL or the GAN, whose
  // posterior variances mean nothing of the kind).
  bool variational;
  // The primary hyperparameter of Table 2 and the line search ("" when the paper has none).
  std::string primary_setting;
};
// AE, β-VAE, FactorVAE, β-TCVAE, Slow-VAE, PCL, weak GAN — Table 1's rows, in its order.
const std::vector<ZietlowModel>& zietlow_models();
const ZietlowModel& zietlow_model(const std::string& name);

// Table 2: the primary hyperparameter's value for (model, dataset); NaN when the paper gives none.
double table2_value(const std::string& model, const std::string& dataset);

// The manipulation strength and the uniform noise level of §5.2: 0.1 (dSprites), 0.175 (Shapes3D).
float zietlow_epsilon(const std::string& dataset);

// The three columns of a dataset in the tables.
enum class DataVariant { Original, Modified, Noise };
const std::vector<DataVariant>& data_variants();
std::string variant_name(DataVariant variant);   // "orig", "mod", "noise" (run names, CSV)
std::string variant_label(DataVariant variant);  // "orig.", "mod.", "noise" (tables)

// The metrics of Tables 1, 3, 4, 5: the metrics.json key and the table's title.
struct ZietlowMetric {
  std::string key;    // "mig", "dci.disentanglement", "factorvae.eval_accuracy", "sap"
  std::string table;  // "Table 1: MIG"
};
const std::vector<ZietlowMetric>& zietlow_metrics();

// The paper's mean ± std for (metric key, model, dataset, variant); count = 0 when the paper has no cell.
MeanStd paper_number(const std::string& metric, const std::string& model, const std::string& dataset,
                     DataVariant variant);

// Where one training run of the reproduction trains and what it is.
struct ZietlowRun {
  std::string model, dataset;
  DataVariant variant;
  int seed;
  double scale = 1.0;        // the line search's multiple of the primary hyperparameter (1 = Table 2's value)
  std::string name() const;  // <dataset>_<model>[_x<scale>]_<variant>_seed<k>
};

// Everything the runs of one profile share.
struct ZietlowTraining {
  long long steps;
  int batch;
  std::string metric_sizes;  // fast | reference
  std::string metrics;       // the final metrics of every run (Tables 1, 3, 4, 5: mig,dci,factorvae,sap)
  std::string device;
  std::map<std::string, std::string> data_files;  // dataset -> real file (--data-file), when given
};

// A profile of the reproduction apps (--profile quick|paper|smoke).
struct ZietlowProfile {
  std::string name;
  std::vector<std::string> datasets, models;
  int seeds;
  ZietlowTraining training;
  std::map<std::string, size_t> ensemble;  // per dataset: restarts per side for the manipulation
  ManipulationTrainingSettings manipulation;
  size_t distance_repeats, check_count;  // the manipulation's checks
  // The line search (zietlow_line_search): models, multiples of Table 2's value, seeds.
  std::vector<std::string> line_search_models;
  std::vector<double> line_search_scales;
  int line_search_seeds;
};
// quick: what 2 CPU cores finish in about an hour (docs/reproductions/zietlow.md says why it has its
// shape); paper: the paper's settings; smoke: seconds-long, for tests that every stage runs (its
// numbers mean nothing).
ZietlowProfile zietlow_profile(const std::string& name);

// The options both apps read: the reproduction options (--profile quick|paper|smoke, --device, --out
// with default out/zietlow_tables, --workers), --data-file-dsprites / --data-file-shapes3d (stored in the
// profile's training settings as absolute paths), --datasets / --models (restrict_zietlow_profile) and
// --stage (set in worker processes).
struct ZietlowOptions {
  ReproductionOptions reproduction;
  ZietlowProfile profile;
  std::string stage;
};
ZietlowOptions read_zietlow_options(Args& args);

// Replaces a profile's datasets and models (empty lists keep the profile's), e.g. to run one dataset of
// the paper profile on a machine of its own, or the quick profile on dSprites. Models must be Table 1's
// and include beta_vae (the manipulation's restarts); the line search keeps only the listed models.
void restrict_zietlow_profile(ZietlowProfile& p, const std::vector<std::string>& datasets,
                              const std::vector<std::string>& models);

// Where a reproduction keeps the manipulation of `dataset`: DIR/manipulation/<dataset>/manipulation.utg.
std::string manipulation_directory(const std::string& out, const std::string& dataset);
std::string manipulation_file(const std::string& out, const std::string& dataset);

// The sweep of `runs` (names and `untangle train` flags; mod. runs use manipulation_file(out, dataset)).
std::vector<SweepRun> zietlow_sweep(const ZietlowProfile& p, const std::vector<ZietlowRun>& runs,
                                    const std::string& out);

// Trains one stage of an app into options.out/runs: worker processes, each started with `--stage STAGE`
// added to argv so that it rebuilds this stage's run list, then the whole list here (finished runs
// skipped). The app must accept --stage.
std::vector<SweepOutcome> train_zietlow_stage(const ReproductionOptions& options,
                                              const std::vector<SweepRun>& runs, const std::string& stage,
                                              int argc, char** argv);

// `untangle train` flags for a run: the model at latents = number of factors with Table 2's value times
// run.scale, the variant (--manipulation FILE for mod., --noise eps for noise), final MIG/DCI/SAP/
// FactorVAE metrics. manipulation_file is needed for mod. runs only.
std::vector<std::string> zietlow_run_flags(const ZietlowRun& run, const ZietlowTraining& training,
                                           const std::string& manipulation_file);

// The over-pruning filter (§5.3): a variational run with fewer active units than the dataset has factors
// is discarded. Non-variational models always pass. A run without the count (older metrics.json) passes.
bool over_pruned(const SweepOutcome& outcome, const std::string& model, size_t factors);

// §4.3: among β-VAE restarts on the original data, the `per_side` most disentangled by MIG and the
// `per_side` least disentangled. `migs[i]` belongs to `directories[i]`; unfinished ones (NaN) are ignored.
struct RestartChoice {
  std::vector<size_t> disentangled, entangled;  // indices into the restarts, best / worst first
};
RestartChoice choose_restarts(const std::vector<double>& migs, size_t per_side);

// Mean posterior variance per latent, sorted ascending (the latents "by importance", §4.3, Eq. 14), as
// text "0.03 0.05 0.98 1.00 1.00"; "—" without the values.
std::string latents_by_variance(const SweepOutcome& outcome);

// The manipulation's preservation checks and Fig. 4 for one dataset, written into `directory`:
//   fig4.png: original images, m(w) (grey = 0, white = +1, black = -1) and the modified images;
//   distances_orig/, distances_mod/: the perceived (MSE) distance matrices of each factor's traversals;
// returns a Markdown section: |x' - x| (max, mean) over `count` observations, and per factor the
// neighbour and end-to-end perceived distances before and after with the two matrices' correlation.
std::string manipulation_checks(const std::string& dataset, const std::string& data_file,
                                const std::string& manipulation_file, const std::string& directory,
                                size_t distance_repeats, size_t count);

}  // namespace untangle
