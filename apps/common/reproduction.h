// What every reproduction app (apps/michlo_*.cpp) shares: the common options
//   --profile quick|paper|smoke   quick: scaled to a 2-core CPU; paper: the reference's settings (for a
//                           GPU); smoke: every stage end to end in about 3 minutes (numbers mean nothing)
//   --device auto|cpu|cuda  passed to every training run
//   --out DIR               where the sweep's run directories, tables and figures go
//   --workers N             sweep runs trained in N single-threaded processes at once
//   --write-sweep FILE      write the profile's runs as a sweep spec (apps/common/sweep_spec.h) and exit,
//                           to train them with `untangle sweep` (docs/scaling.md)
// and the Markdown table writer the reports use.
#pragma once
#include <string>
#include <vector>

#include "apps/common/args.h"
#include "apps/common/sweep.h"

namespace untangle {

struct ReproductionOptions {
  std::string app, profile, device, out;
  std::string write_sweep;  // --write-sweep FILE
  int workers = 1;     // --workers N: sweep runs in N single-threaded processes (quick default 2, paper 1)
  std::string worker;  // --worker K/N: set only in the worker processes themselves
  bool is_worker() const { return !worker.empty(); }
};

// Reads the options above (profile must be one of `profiles`); --out defaults to out/<app name>.
ReproductionOptions read_reproduction_options(Args& args, const std::string& app_name,
                                              const std::vector<std::string>& profiles = {"quick", "paper",
                                                                                          "smoke"});

// The app's profile that --profile named (read_reproduction_options has checked the name).
template <typename Profile>
const Profile& chosen_profile(const ReproductionOptions& options, const Profile& quick, const Profile& paper,
                              const Profile& smoke) {
  return options.profile == "paper" ? paper : options.profile == "smoke" ? smoke : quick;
}

// A GitHub-flavoured Markdown table: header cells, then rows of the same width.
std::string markdown_table(const std::vector<std::string>& header,
                           const std::vector<std::vector<std::string>>& rows);

// "0.0316" / "1e-04": a setting's value as it appears in run names and tables.
std::string short_number(double value);

// With --write-sweep FILE: writes `runs` (trained into `directory`) as a sweep spec named after the
// file (its stem), prints how to run it (and `note`, when given), and returns true: the app then exits.
// Returns false without the option.
bool write_sweep_if_asked(const ReproductionOptions& options, const std::vector<SweepRun>& runs,
                          const std::string& directory, const std::string& note = "");

// True when every run in `directory` has finished (its metrics.json parses).
bool sweep_finished(const std::vector<SweepRun>& runs, const std::string& directory);

// Trains the runs in `directory` (apps/common/sweep.h): a worker process trains its share and returns
// nothing; otherwise the workers are started when there are several, then the whole sweep is run
// (finished runs skipped) and every run's metrics are returned in order. The runs pass through a sweep
// spec (sweep_spec_from_runs, expand_sweep) on the way, as `untangle sweep` would read them.
std::vector<SweepOutcome> train_sweep(const ReproductionOptions& options, const std::vector<SweepRun>& runs,
                                      const std::string& directory, int argc, char** argv);

}  // namespace untangle
