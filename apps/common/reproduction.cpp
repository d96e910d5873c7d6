#include "apps/common/reproduction.h"

#include <algorithm>
#include <cstdio>

#include "core/check.h"

namespace untangle {

ReproductionOptions read_reproduction_options(Args& args, const std::string& app_name,
                                              const std::vector<std::string>& profiles) {
  ReproductionOptions options;
  options.profile = args.text("profile", "quick");
  options.device = args.text("device", "auto");
  options.out = args.text("out", "out/" + app_name);
  options.workers = int(args.integer("workers", options.profile == "paper" ? 1 : 2));
  options.worker = args.text("worker", "");
  std::string names;
  for (const std::string& p : profiles) names += (names.empty() ? "" : ", ") + p;
  require(std::find(profiles.begin(), profiles.end(), options.profile) != profiles.end(), "--profile must be one of ",
          names, ", got '", options.profile, "'");
  require(options.workers >= 1, "--workers must be at least 1");
  return options;
}

std::string markdown_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
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

std::vector<SweepOutcome> train_sweep(const ReproductionOptions& options, const std::vector<SweepRun>& runs,
                                      const std::string& directory, int argc, char** argv) {
  if (options.is_worker()) {
    run_sweep(worker_share(runs, options.worker), directory);
    return {};
  }
  if (options.workers > 1) run_sweep_in_worker_processes(argc, argv, options.workers);
  return run_sweep(runs, directory);
}

}  // namespace untangle
