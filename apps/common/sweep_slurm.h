// A Slurm job-array script for a sweep (docs/scaling.md): one array task per run that was unfinished
// when the script was written. Each task calls `untangle sweep run-one SPEC --run ID`, which returns at
// once for a finished run, resumes an interrupted one from its checkpoint and takes the run's lock, so
// a task may be repeated or resubmitted safely. Slurm's sbatch options are documented at
// https://slurm.schedmd.com/sbatch.html (--array with a %K limit, --output with %A/%a, --gpus-per-task).
#pragma once
#include <string>
#include <vector>

namespace untangle {

struct SlurmOptions {
  std::string partition;  // empty: the cluster's default
  std::string time;       // empty: the partition's default limit
  int gpus_per_task = 0;
  int cpus_per_task = 1;
  int max_parallel = 0;  // 0: no limit on array tasks running at once
};

// The script's text. `untangle` is the absolute path of the binary the tasks run, `spec` the spec's
// absolute path, `working_directory` where the tasks start (relative paths in the spec's settings mean
// what they meant there), `log_folder` where Slurm writes each task's output (it must exist).
std::string slurm_array_script(const std::string& sweep_name, const std::vector<std::string>& run_ids,
                               const SlurmOptions& options, const std::string& untangle,
                               const std::string& spec, const std::string& working_directory,
                               const std::string& log_folder);

// `text` in single quotes for bash ('it'\''s').
std::string shell_quote(const std::string& text);

}  // namespace untangle
