// A training run's complete configuration: the model's settings plus the data, schedule and seed. It is
// what `untangle train` writes to DIR/config.json and what resume, eval and encode read back, so every
// setting that influenced a run is recorded (docs/design.md "Run directory").
//
// Settings are resolved in layers, later ones winning:
//   1. the model's reference defaults (default_model_settings)
//   2. a convention preset (nn/presets.h): disentanglement_lib (every model's default but the weak GAN's),
//      disent, or weak_disentangle (the weak GAN's default; it also makes latents = the dataset's factors)
//   3. the papers' per-(model, dataset) values (kPaperPresets below; Zietlow et al. Table 2)
//   4. the user's flags
//   5. derived settings: the decomposition VAE's anisotropic prior gets the data's PCA spectrum
#pragma once
#include <map>
#include <string>
#include <vector>

#include "apps/common/args.h"
#include "data/registry.h"
#include "nn/model.h"

namespace untangle {

struct RunConfig {
  ModelSettings model;
  std::string preset = "disentanglement_lib";
  std::string dataset = "dsprites";
  int spacing = 8;           // xysquares*
  std::string data_file;     // dsprites / shapes3d: the real file instead of the renderer
  float noise = 0.0f;        // uniform noise variant (Zietlow et al. §5.2)
  std::string manipulation;  // a learned manipulation file (Zietlow et al. §4.4), as an absolute path
  bool standardise = false;  // per-channel input standardisation (disent)
  long long steps = 300000;  // disentanglement_lib's training_steps
  int batch = 64;
  unsigned long long seed = 0;
  std::string device = "auto";
  bool cuda_graph = true;  // on a GPU, replay the steady-state step as a CUDA graph when the model allows
  long long log_every = 100, checkpoint_every = 2000, eval_every = 0;
  std::string final_metrics = "mig,dci,sap,factorvae,betavae";
  // fast by default: at the reference sizes the FactorVAE and beta-VAE scores alone encode ~3 million
  // images (20+ minutes on 2 CPU cores); `untangle eval --run DIR` runs the reference protocol.
  std::string final_metric_sizes = "fast";  // reference | fast
  std::string version;                      // of the build that trained it

  DatasetOptions dataset_options() const;
};

// One row of the papers' per-(model, dataset) settings: `setting` as named in model_settings_to_fields.
struct PaperPreset {
  const char* model;
  const char* dataset;
  const char* setting;
  const char* value;
  const char* source;
};
const std::vector<PaperPreset>& paper_presets();

// Every field, model settings first, as (name, text value) in a fixed order.
std::vector<std::pair<std::string, std::string>> run_config_fields(const RunConfig& config);
RunConfig run_config_from_fields(const std::map<std::string, std::string>& fields, const std::string& source);

void write_run_config(const std::string& path, const RunConfig& config);
// The text write_run_config writes (what --dry-run prints).
std::string run_config_json(const RunConfig& config);
// Reads and validates (validate_run_config) a run's config.json; errors name the file and the key.
RunConfig read_run_config(const std::string& path);

// The one check of a run configuration's values, used after the command line is parsed and after a
// config.json is read (resume, eval, encode, sweeps): a value outside its valid range is an error naming
// the setting — as a flag (--batch) when `source` is kCommandLine, else as "<source>: 'batch'".
// The ranges are in apps/common/run_config_checks.cpp.
inline const char* const kCommandLine = "command line";
void validate_run_config(const RunConfig& config, const std::string& source);
// The model's image shape and factor count must be the dataset's (a config.json edited or damaged by
// hand would otherwise feed a model images of another size).
void check_model_fits_dataset(const RunConfig& config, const GroundTruthDataset& dataset,
                              const std::string& source);

// Builds a configuration from `untangle train` flags (layers 1-4 above), sizing the model to the
// dataset; with --config FILE (a run's config.json) the file replaces layers 1-3. Reads --config, --model,
// --dataset, --preset, --spacing, --data-file, --noise, --standardise,
// --manipulation, --steps, --batch, --seed, --device, --log-every, --checkpoint-every, --eval-every,
// --final-metrics,
// --final-sizes, --lr and every model setting by its name with dashes (--beta, --c-max, --latents, ...).
RunConfig run_config_from_args(Args& args);
// The model-setting flags accepted on the command line (for --help).
std::vector<std::string> model_setting_flags();

}  // namespace untangle
