// A sweep described by a file (docs/scaling.md): a JSON spec that expands into a deterministic list of
// runs, each with a stable id and directory name. `untangle sweep` reads it; the reproduction apps build
// one in memory from their run lists (sweep_spec_from_runs) and expand it the same way.
//
//   {
//     "name": "betas",
//     "results": "runs",                        a relative path is taken from the spec file's folder
//     "base": {"dataset": "xysquares", "steps": 2000},   `untangle train` flags without "--"
//     "product": {"model": ["beta_vae", "beta_tcvae"], "beta": [1, 4]},
//     "runs": [{"model": "ae"}],               optional: explicit runs, each merged over "base"
//     "seeds": [0, 1, 2]                        optional: crossed with every run (as product "seed")
//   }
//
// Runs, in order: the product's combinations (the first key varies slowest), then the explicit runs;
// each of them once per seed. A run's id names its values of the keys the spec varies (the product's
// keys, the explicit runs' keys, "seed" when seeds are given) as "model=beta_vae,beta=4,seed=0", and its
// directory is built from the same values ("beta_vae_beta4_seed0"): base settings never enter a name,
// so adding a seed or a value adds runs and renames none. An explicit run may set its own "id" (the
// reproduction apps do, to keep the directory names of their earlier runs); that id is also its
// directory name. Two runs with the same id or directory are refused.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "apps/common/sweep.h"

namespace untangle {

// `untangle train` settings: flag name without "--" -> value as text, in the order given.
using SweepSettings = std::vector<std::pair<std::string, std::string>>;

struct SweepSpec {
  std::string name;
  std::string results;  // the run directories' folder; absolute once read from a file
  SweepSettings base;
  std::vector<std::pair<std::string, std::vector<std::string>>> product;  // key -> values
  std::vector<SweepSettings> runs;  // explicit runs; the key "id" names the run
  std::vector<long long> seeds;
};

struct SpecRun {
  std::string id;
  std::string directory;                   // its folder's name under the spec's results
  SweepSettings settings;                  // base merged with its own values ("id" left out)
  std::vector<std::string> flags() const;  // {"--model", "beta_vae", ...}
};

// Reads a spec file. Every size is checked against the bytes present; unknown fields, values of the
// wrong kind, and settings `untangle train` does not take are errors that name the file and the field.
SweepSpec read_sweep_spec(const std::string& path);
// The same from text; relative "results" are resolved against `spec_folder`.
SweepSpec parse_sweep_spec(const std::string& text, const std::string& source,
                           const std::string& spec_folder);

// The runs of a spec, in order, with ids and directories; refuses collisions and settings that
// `untangle train` would refuse (`source` names the spec in errors). The files named by --data-file and
// --manipulation are read only when a run trains (a sweep may be written before they exist).
std::vector<SpecRun> expand_sweep(const SweepSpec& spec, const std::string& source);

// The spec as JSON text, "results" written as `results_as_written`.
std::string sweep_spec_json(const SweepSpec& spec, const std::string& results_as_written);
// Writes the spec to `path` (atomically), with "results" relative to the file's own folder.
void write_sweep_spec(const std::string& path, const SweepSpec& spec);

// A spec holding `runs` as explicit runs (ids = their names): the settings every run shares with the
// same value become "base", the rest stay in the runs. Each run's flags must be "--name value" pairs.
SweepSpec sweep_spec_from_runs(const std::string& name, const std::string& results,
                               const std::vector<SweepRun>& runs);

// A run's directory name from its varied values: numbers as key + value ("seed3", "beta4"), other text as
// the value ("beta_vae"); characters outside [A-Za-z0-9._+-] become '-'.
std::string sweep_directory_name(const SweepSettings& varied);

}  // namespace untangle
