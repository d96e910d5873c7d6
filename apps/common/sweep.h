// A sweep: a list of independent training runs, one directory and one result file (metrics.json) each
// (docs/design.md "Sweeps and scale"). It is resumable: a run whose metrics.json exists is finished and
// skipped; a run with only a checkpoint is resumed from it; the trainer writes metrics.json last and
// atomically (temporary file, then rename), so a half-written result never counts.
//
// Runs are described by the same flags `untangle train` takes, so a run of a sweep can be repeated
// by hand with `untangle train <flags> --out DIR`, and config.json records every setting as usual.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "apps/common/run_config.h"

namespace untangle {

struct SweepRun {
  std::string name;                // its directory under the sweep's folder
  std::vector<std::string> flags;  // `untangle train` flags, e.g. {"--model", "beta_vae", "--beta", "4"}
};

struct SweepOutcome {
  std::string name;
  std::map<std::string, double> metrics;  // metrics.json's numbers (undefined scores are NaN)
  bool skipped = false;                   // finished before this call
  bool failed = false;                    // stopped on a non-finite loss (no metrics)
  int stopped_by_signal = 0;              // SIGINT/SIGTERM stopped it (checkpoint written, no metrics)
  std::map<std::string, double>
      last_logged;  // train_log.csv's last row: each term's interval mean, e.g. "kl"
};

// A training profile of a reproduction app: `paper` is the reference's settings, `quick` a scaled-down
// version for a 2-core CPU.
struct TrainingProfile {
  std::string name;
  long long steps;
  int batch;
  int repeats;
  std::string metric_sizes;  // fast | reference (metrics/evaluate.h)
  long long eval_every;      // periodic fast MIG/DCI (0 = off); disent reports their maximum
};

// The flags every run of a Michlo et al. profile shares: disent's preset (MSE mean, Adam 1e-3, Burgess
// nets, standardised inputs, Xavier-normal, Ada-* on the symmetric KL), the steps, batch, device, and
// final MIG + DCI; for Ada-GVAE also the mean average as the paper's disent code computed it
// (--ada-mean-source second: disent before commit 939b64e, issue #32), so the runs train as the paper's did.
std::vector<std::string> profile_flags(const TrainingProfile& profile, const std::string& device,
                                       const std::string& model);

// The metrics.json key a profile reports for `metric` ("mig", "dci.disentanglement"): the maximum of
// the periodic evaluations when the profile has them (as the paper's plots), else the final value.
std::string reported_metric_key(const TrainingProfile& profile, const std::string& metric);
// That key as a CSV column header naming the sample sizes that made it: "mig@fast",
// "max_during_training.mig@fast" (periodic evaluations use the fast sizes).
std::string reported_metric_column(const TrainingProfile& profile, const std::string& metric);

// A number in a run's metrics.json, NaN when missing (or undefined).
double metric_of(const SweepOutcome& outcome, const std::string& key);

// A configuration from `untangle train` flags (apps/common/run_config.h's layers).
RunConfig run_config_from_flags(const std::vector<std::string>& flags);

// True when directory/metrics.json exists and parses (the run finished; apps/common/sweep_store.h).
bool sweep_run_finished(const std::string& run_directory);

// Trains one run into `run_directory` unless it has finished (its metrics are read) or diverged (failed);
// resumes it from its checkpoint when there is one. `label` prefixes its progress line ("[3/10]").
SweepOutcome train_sweep_run(const SweepRun& run, const std::string& run_directory, const std::string& label);

// Runs what is not finished, in order, printing one line per run; returns every run's metrics.
std::vector<SweepOutcome> run_sweep(const std::vector<SweepRun>& runs, const std::string& directory);

// Local parallelism for a sweep on a small machine: independent runs in separate processes, each
// single-threaded (UNTANGLE_THREADS=1), scale better than one run over all cores (small batches leave
// the thread pool mostly waiting). This program is started `workers` times again with its own
// arguments plus `--worker K/N`; a worker trains only its share (worker_share) and exits. Returns
// when all have finished; the caller then runs the whole sweep, which skips what the workers finished.
void run_sweep_in_worker_processes(int argc, char** argv, int workers);

// Runs i with i % N == K, for --worker "K/N".
std::vector<SweepRun> worker_share(const std::vector<SweepRun>& runs, const std::string& worker);

}  // namespace untangle
