#include "apps/common/sweep.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "apps/common/args.h"
#include "apps/common/divergence.h"
#include "apps/common/json.h"
#include "apps/common/sweep_store.h"
#include "apps/common/trainer.h"
#include "core/file_io.h"

extern char** environ;  // the environment the worker processes inherit

namespace untangle {

std::vector<std::string> profile_flags(const TrainingProfile& profile, const std::string& device,
                                       const std::string& model) {
  std::vector<std::string> flags = {"--preset",
                                    "disent",
                                    "--steps",
                                    std::to_string(profile.steps),
                                    "--batch",
                                    std::to_string(profile.batch),
                                    "--device",
                                    device,
                                    "--final-metrics",
                                    "mig,dci",
                                    "--final-sizes",
                                    profile.metric_sizes,
                                    "--eval-every",
                                    std::to_string(profile.eval_every),
                                    "--log-every",
                                    "50",
                                    "--checkpoint-every",
                                    std::to_string(std::max<long long>(profile.steps / 4, 1))};
  if (model == "ada_gvae") flags.insert(flags.end(), {"--ada-mean-source", "second"});
  return flags;
}

std::string reported_metric_key(const TrainingProfile& profile, const std::string& metric) {
  return profile.eval_every > 0 ? "max_during_training." + metric : metric;
}

std::string reported_metric_column(const TrainingProfile& profile, const std::string& metric) {
  return reported_metric_key(profile, metric) + "@" +
         (profile.eval_every > 0 ? "fast" : profile.metric_sizes);
}

RunConfig run_config_from_flags(const std::vector<std::string>& flags) {
  // Args parses an argv; the flags become one, after a placeholder program name.
  std::vector<std::string> words = {"sweep"};
  words.insert(words.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  Args args(int(argv.size()), argv.data(), 1);
  RunConfig config = run_config_from_args(args);
  args.reject_unknown();
  return config;
}

double metric_of(const SweepOutcome& outcome, const std::string& key) {
  auto it = outcome.metrics.find(key);
  return it == outcome.metrics.end() ? NAN : it->second;
}

bool sweep_run_finished(const std::string& run_directory) {
  return run_result_exists(run_directory);
}

namespace {

std::map<std::string, double> read_metrics(const std::string& path) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  std::map<std::string, double> numbers;
  for (const auto& [key, text] : parse_flat_json(std::string(bytes.begin(), bytes.end()), path)) {
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    numbers[key] = !text.empty() && end && *end == '\0' ? value : NAN;  // null (undefined) and text -> NaN
  }
  return numbers;
}

// A run directory the sweep is about to count or continue must hold the run the sweep describes: a run
// trained with other settings (an older version of the app, another profile) would be reported as this
// sweep's. Settings that do not change what is trained (the build, the device, logging intervals) may
// differ, and so may the step count of a run that is resumed (the sweep's is used). A `factors` of 0 is
// an older config.json from before the setting existed. A directory without config.json is not checked.
void check_same_settings(const std::string& run_directory, const RunConfig& wanted, bool resuming) {
  if (!std::filesystem::exists(run_directory + "/config.json")) return;  // nothing recorded to compare
  const RunConfig had = read_run_config(run_directory + "/config.json");
  const auto wanted_fields = run_config_fields(wanted), had_fields = run_config_fields(had);
  for (size_t i = 0; i < wanted_fields.size() && i < had_fields.size(); ++i) {
    const std::string& name = wanted_fields[i].first;
    if (name == "version" || name == "device" || name == "cuda_graph" || name == "log_every" ||
        name == "checkpoint_every" || (name == "steps" && resuming) ||
        (name == "factors" && had.model.factors == 0))
      continue;
    require(wanted_fields[i].second == had_fields[i].second, run_directory, ": trained with ", name, " = ",
            had_fields[i].second, ", but this sweep asks for ", wanted_fields[i].second,
            "; its results would be reported under settings it did not train with. Remove that directory to "
            "train "
            "it again, or give another --out.");
  }
}

// The last row of a train_log.csv as term name -> value, the term's mean over the row's log interval
// (empty when the file is missing). Columns are named TERM_mean (a log from before that: TERM).
std::map<std::string, double> read_last_log_row(const std::string& path) {
  std::map<std::string, double> row;
  std::ifstream in(path);
  std::string header, line, last;
  if (!std::getline(in, header)) return row;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  const std::vector<std::string> names = split_list(header, ','), cells = split_list(last, ',');
  const std::string suffix = "_mean";
  for (size_t i = 0; i < names.size() && i < cells.size(); ++i) {
    std::string name = names[i];
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      name.resize(name.size() - suffix.size());
    row[name] = std::strtod(cells[i].c_str(), nullptr);
  }
  return row;
}

}  // namespace

SweepOutcome train_sweep_run(const SweepRun& run, const std::string& run_directory,
                             const std::string& label) {
  SweepOutcome outcome;
  outcome.name = run.name;
  RunConfig config = run_config_from_flags(run.flags);
  if (const std::optional<Divergence> diverged = read_divergence(run_directory)) {
    // Training again with the same settings would replay the same divergence (divergence.h).
    std::fprintf(stderr, "%s %s: diverged at step %lld (%s); left out (remove %s to train it again)\n",
                 label.c_str(), run.name.c_str(), diverged->step, diverged->cause.c_str(),
                 run_directory.c_str());
    outcome.failed = true;
    return outcome;
  }
  if (sweep_run_finished(run_directory)) {
    check_same_settings(run_directory, config, false);
    std::fprintf(stderr, "%s %s: finished earlier, skipped\n", label.c_str(), run.name.c_str());
    outcome.skipped = true;
  } else {
    const bool resume = std::filesystem::exists(run_directory + "/checkpoint.utg");
    if (resume) check_same_settings(run_directory, config, true);
    std::fprintf(stderr, "%s %s: %s\n", label.c_str(), run.name.c_str(),
                 resume ? "resuming from its checkpoint" : "training");
    if (resume) {
      // The directory's own configuration (the trainer requires it), with this sweep's step count.
      const long long steps = config.steps;
      config = read_run_config(run_directory + "/config.json");
      config.steps = steps;
    }
    TrainingResult result = train_run(config, run_directory, resume);
    if (result.stopped_by_signal) {
      outcome.stopped_by_signal = result.stopped_by_signal;
      return outcome;
    }
    if (result.stopped_on_non_finite_loss) {
      // No metrics.json: the run is reported as failed (and so is it by the next call: diverged.json).
      std::fprintf(stderr, "%s: the loss became non-finite; left out (see its train_log.csv)\n",
                   run_directory.c_str());
      outcome.failed = true;
      return outcome;
    }
  }
  outcome.metrics = read_metrics(run_directory + "/metrics.json");
  outcome.last_logged = read_last_log_row(run_directory + "/train_log.csv");
  return outcome;
}

std::vector<SweepOutcome> run_sweep(const std::vector<SweepRun>& runs, const std::string& directory) {
  std::vector<SweepOutcome> outcomes;
  for (size_t i = 0; i < runs.size(); ++i) {
    const std::string run_directory = directory + "/" + runs[i].name;
    const std::string label = "[" + std::to_string(i + 1) + "/" + std::to_string(runs.size()) + "]";
    outcomes.push_back(train_sweep_run(runs[i], run_directory, label));
    require(!outcomes.back().stopped_by_signal, run_directory,
            ": stopped by a signal (checkpoint written); run the "
            "same command again to resume the sweep");
  }
  return outcomes;
}

// ---- worker processes ----------------------------------------------------------------------------

std::vector<SweepRun> worker_share(const std::vector<SweepRun>& runs, const std::string& worker) {
  unsigned index = 0, count = 0;
  require(std::sscanf(worker.c_str(), "%u/%u", &index, &count) == 2 && count > 0 && index < count,
          "--worker must be K/N with 0 <= K < N, got '", worker, "'");
  std::vector<SweepRun> share;
  for (size_t i = 0; i < runs.size(); ++i)
    if (i % count == index) share.push_back(runs[i]);
  return share;
}

void run_sweep_in_worker_processes(int argc, char** argv, int workers) {
  std::vector<std::string> environment = {"UNTANGLE_THREADS=1"};
  for (char** entry = environ; *entry; ++entry)
    if (std::string(*entry).rfind("UNTANGLE_THREADS=", 0) != 0) environment.push_back(*entry);
  std::vector<char*> env;
  for (std::string& entry : environment) env.push_back(entry.data());
  env.push_back(nullptr);

  std::vector<pid_t> children;
  for (int k = 0; k < workers; ++k) {
    std::vector<std::string> words(argv, argv + argc);
    words.push_back("--worker");
    words.push_back(std::to_string(k) + "/" + std::to_string(workers));
    std::vector<char*> child_argv;
    for (std::string& word : words) child_argv.push_back(word.data());
    child_argv.push_back(nullptr);
    pid_t pid = 0;
    const int failed = posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, child_argv.data(), env.data());
    require(failed == 0, "cannot start sweep worker ", k, " (posix_spawn error ", failed, ")");
    children.push_back(pid);
  }
  std::fprintf(stderr, "sweep: %d worker processes started (one thread each)\n", workers);
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      std::fprintf(stderr, "sweep: a worker stopped with an error; its unfinished runs are retried here\n");
  }
}

}  // namespace untangle
