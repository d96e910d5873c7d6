#include "apps/common/reproduction.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "apps/common/sweep_spec.h"
#include "core/check.h"

namespace untangle {

ReproductionOptions read_reproduction_options(Args& args, const std::string& app_name,
                                              const std::vector<std::string>& profiles) {
  ReproductionOptions options;
  options.app = app_name;
  options.profile = args.text("profile", "quick");
  options.device = args.text("device", "auto");
  options.out = args.text("out", "out/" + app_name);
  options.workers = int(args.integer("workers", options.profile == "paper" ? 1 : 2));
  options.worker = args.text("worker", "");
  options.write_sweep = args.text("write-sweep", "");
  std::string names;
  for (const std::string& p : profiles) names += (names.empty() ? "" : ", ") + p;
  require(std::find(profiles.begin(), profiles.end(), options.profile) != profiles.end(),
          "--profile must be one of ", names, ", got '", options.profile, "'");
  require(options.workers >= 1, "--workers must be at least 1");
  return options;
}

std::string markdown_table(const std::vector<std::string>& header,
                           const std::vector<std::vector<std::string>>& rows) {
  auto line = [](const std::vector<std::string>& cells) {
    std::string text = "|";
    for (const std::string& cell : cells) text += " " + cell + " |";
    return text + "\n";
  };
  std::string text = line(header);
  std::vector<std::string> rule(header.size(), "---");
  text += line(rule);
  for (const auto& row : rows) text += line(row);
  return text;
}

std::string short_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", value);
  return buffer;
}

namespace {

SweepSpec app_sweep_spec(const ReproductionOptions& options, const std::vector<SweepRun>& runs,
                         const std::string& directory) {
  return sweep_spec_from_runs(options.app + "-" + options.profile,
                              std::filesystem::absolute(directory).string(), runs);
}

}  // namespace

bool write_sweep_if_asked(const ReproductionOptions& options, const std::vector<SweepRun>& runs,
                          const std::string& directory, const std::string& note) {
  if (options.write_sweep.empty()) return false;
  SweepSpec spec = app_sweep_spec(options, runs, directory);
  spec.name = std::filesystem::path(options.write_sweep)
                  .stem()
                  .string();                // the user's name for it (Slurm's job name)
  expand_sweep(spec, options.write_sweep);  // refuses what `untangle sweep` would refuse, before writing
  write_sweep_spec(options.write_sweep, spec);
  std::printf("wrote %s: %zu runs (profile %s) into %s\n", options.write_sweep.c_str(), runs.size(),
              options.profile.c_str(), spec.results.c_str());
  if (!note.empty()) std::printf("%s\n", note.c_str());
  std::printf(
      "train them here:   untangle sweep run %s --workers N\n"
      "or on Slurm:       untangle sweep slurm %s --out job.sbatch && sbatch job.sbatch\n"
      "then run this command again without --write-sweep: it finds the runs finished and makes the "
      "tables\n",
      options.write_sweep.c_str(), options.write_sweep.c_str());
  return true;
}

bool sweep_finished(const std::vector<SweepRun>& runs, const std::string& directory) {
  for (const SweepRun& run : runs)
    if (!sweep_run_finished(directory + "/" + run.name)) return false;
  return true;
}

std::vector<SweepOutcome> train_sweep(const ReproductionOptions& options,
                                      const std::vector<SweepRun>& app_runs, const std::string& directory,
                                      int argc, char** argv) {
  // The same spec -> run list code as `untangle sweep` (ids and directories are the runs' names).
  std::vector<SweepRun> runs;
  for (const SpecRun& run : expand_sweep(app_sweep_spec(options, app_runs, directory), options.app))
    runs.push_back({run.directory, run.flags()});
  if (options.is_worker()) {
    run_sweep(worker_share(runs, options.worker), directory);
    return {};
  }
  if (options.workers > 1) run_sweep_in_worker_processes(argc, argv, options.workers);
  return run_sweep(runs, directory);
}

}  // namespace untangle
