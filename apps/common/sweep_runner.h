// The local runner of `untangle sweep run` (docs/scaling.md): trains every unfinished run of a sweep
// spec on this machine, `workers` at once, each in a child process `untangle sweep run-one SPEC --run ID`
// whose output goes to the run's DIR/sweep_log.txt. Because every child takes the run's lock and every
// result is written atomically, the runner can be killed (even with SIGKILL, the whole process group)
// and started again at any moment: finished runs stay finished, interrupted ones resume.
#pragma once
#include <string>
#include <vector>

#include "apps/common/sweep_spec.h"

namespace untangle {

struct LocalRunnerOptions {
  int workers = 1;
  std::vector<std::string> gpus;  // one per worker slot, in turn (CUDA_VISIBLE_DEVICES); empty: unchanged
};

// Prints one progress line (done / running / failed / pending, ETA), then a summary of the failed runs
// with their error lines. Returns the exit status: 0 only when every run has finished.
int run_sweep_locally(const std::string& spec_path, const SweepSpec& spec, const std::vector<SpecRun>& runs,
                      const LocalRunnerOptions& options);

}  // namespace untangle
