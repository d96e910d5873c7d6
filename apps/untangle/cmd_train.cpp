// `untangle train`: trains one model on one dataset into a run directory (apps/common/trainer.h).
// --dry-run resolves the configuration and times a few steps without touching --out.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "apps/common/args.h"
#include "apps/common/divergence.h"
#include "apps/common/progress.h"
#include "apps/common/run_config.h"
#include "apps/common/train_help.h"
#include "apps/common/trainer.h"
#include "apps/untangle/commands.h"

namespace untangle {

namespace {

// The mean seconds per step of `config`, measured by training it for a few steps in a scratch directory
// (removed afterwards). The first step is left out: it builds caches and allocations once.
double measure_seconds_per_step(RunConfig config) {
  const int steps = 6;
  config.steps = steps;
  config.log_every = 1;
  config.checkpoint_every = steps;
  config.eval_every = 0;
  config.final_metrics = "";
  const std::filesystem::path scratch =
      std::filesystem::temp_directory_path() / ("untangle_dry_run_" + std::to_string(getpid()));
  std::filesystem::remove_all(scratch);
  train_run(config, scratch.string(), false);
  // train_log.csv: the last column is the seconds since the run started, one row per step.
  std::ifstream log(scratch / "train_log.csv");
  std::string line, first_row, last_row;
  std::getline(log, line);  // header
  std::getline(log, first_row);
  while (std::getline(log, line)) last_row = line;
  std::filesystem::remove_all(scratch);
  auto seconds = [](const std::string& row) {
    return std::strtod(row.c_str() + row.rfind(',') + 1, nullptr);
  };
  return (seconds(last_row) - seconds(first_row)) / double(steps - 1);
}

void dry_run(const RunConfig& config) {
  std::printf("%s", run_config_json(config).c_str());
  std::fprintf(stderr, "dry run: timing a few steps of this configuration on this machine...\n");
  const double per_step = measure_seconds_per_step(config);
  std::fprintf(stderr,
               "dry run: %.4g s per step here; %lld steps would take about %s (final metrics not included)\n",
               per_step, config.steps, ProgressReporter::clock_text(per_step * double(config.steps)).c_str());
}

}  // namespace

int command_train(int argc, char** argv) {
  Args args(argc, argv, 2, {"resume", "dry-run"});
  if (args.help()) {
    print_train_help(args);
    return 0;
  }
  const bool dry = args.flag("dry-run");
  const std::string out = dry ? args.text("out", "") : args.required_text("out");
  RunConfig config;
  const bool resume = args.flag("resume");
  require(!(resume && dry),
          "--dry-run is for a new run (give --config DIR/config.json to time a run's settings)");
  if (resume) {
    config = read_run_config(out + "/config.json");
    config.steps = args.integer("steps", config.steps);
    // A run that diverged continues only with a lower learning rate (apps/common/divergence.h); a healthy
    // run keeps the settings its config.json records.
    require(!(args.has("lr") && args.has("learning-rate")), "give --lr or --learning-rate, not both");
    const char* rate_option = args.has("lr") ? "lr" : "learning-rate";
    if (args.has(rate_option)) {
      require(read_divergence(out).has_value(), "--", rate_option,
              " with --resume is for a run that diverged; ", out,
              " has not (its settings stay those of its config.json)");
      config.model.optimizer.learning_rate = float(args.number(rate_option, 0.0));
    }
    validate_run_config(config, kCommandLine);
  } else {
    config = run_config_from_args(args);
  }
  args.reject_unknown();
  if (dry) {
    dry_run(config);
    return 0;
  }
  TrainingResult result = train_run(config, out, resume);
  if (result.stopped_by_signal) return 128 + result.stopped_by_signal;  // the shell's convention: 130, 143
  return result.stopped_on_non_finite_loss ? 3 : 0;
}

}  // namespace untangle
