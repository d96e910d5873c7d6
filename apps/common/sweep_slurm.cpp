#include "apps/common/sweep_slurm.h"

#include <cctype>

#include "core/check.h"

namespace untangle {

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

namespace {

// Slurm reads #SBATCH lines as words; a value with spaces or a newline would be cut or break the script.
void check_sbatch_value(const std::string& value, const char* option) {
  require(value.find_first_of(" \t\n\r'\"") == std::string::npos, "--", option, " '", value,
          "' must not hold spaces or quotes (it becomes an #SBATCH line)");
}

}  // namespace

std::string slurm_array_script(const std::string& sweep_name, const std::vector<std::string>& run_ids,
                               const SlurmOptions& options, const std::string& untangle,
                               const std::string& spec, const std::string& working_directory,
                               const std::string& log_folder) {
  require(!run_ids.empty(), "a job array needs at least one run");
  require(options.gpus_per_task >= 0 && options.cpus_per_task >= 1 && options.max_parallel >= 0,
          "--gpus-per-task and --max-parallel must be >= 0, --cpus-per-task >= 1");
  check_sbatch_value(options.partition, "partition");
  check_sbatch_value(options.time, "time");
  check_sbatch_value(log_folder, "out (its folder)");
  std::string job_name = "untangle-" + sweep_name;
  for (char& c : job_name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';

  std::string text = "#!/bin/bash\n";
  text += "# Written by `untangle sweep slurm` for the sweep '" + job_name.substr(9) +
          "': one array task per run\n";
  text += "# that was unfinished then (" + std::to_string(run_ids.size()) +
          "). A task that finds its run finished\n";
  text += "# returns at once, an interrupted run resumes from its checkpoint, and a run held by another\n";
  text +=
      "# process (its lock) exits with status 75. Resubmit with: untangle sweep slurm ... && sbatch ...\n";
  text += "#SBATCH --job-name=" + job_name + "\n";
  text += "#SBATCH --array=0-" + std::to_string(run_ids.size() - 1) +
          (options.max_parallel > 0 ? "%" + std::to_string(options.max_parallel) : "") + "\n";
  text += "#SBATCH --output=" + log_folder + "/%A_%a.out\n";
  text += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=" + std::to_string(options.cpus_per_task) + "\n";
  if (options.gpus_per_task > 0)
    text += "#SBATCH --gpus-per-task=" + std::to_string(options.gpus_per_task) + "\n";
  if (!options.partition.empty()) text += "#SBATCH --partition=" + options.partition + "\n";
  if (!options.time.empty()) text += "#SBATCH --time=" + options.time + "\n";
  text += "\nRUNS=(\n";
  for (const std::string& id : run_ids) text += "  " + shell_quote(id) + "\n";
  text += ")\n";
  text += "export UNTANGLE_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n";
  text += "cd " + shell_quote(working_directory) + " || exit 1\n";
  // exec: the task's process is untangle itself, so scancel's SIGTERM reaches the trainer, which
  // writes a checkpoint before it stops.
  text += "exec " + shell_quote(untangle) + " sweep run-one " + shell_quote(spec) +
          " --run \"${RUNS[$SLURM_ARRAY_TASK_ID]}\"\n";
  return text;
}

}  // namespace untangle
