// `untangle sweep`: a sweep described by a spec file (apps/common/sweep_spec.h) — list its runs, train
// them here in worker processes, train one of them (what a Slurm array task does), write a Slurm
// job-array script, and read the progress from the result store (apps/common/sweep_store.h).
// docs/scaling.md walks through running a paper's profile on a cluster with these.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "apps/common/args.h"
#include "apps/common/sweep.h"
#include "apps/common/sweep_runner.h"
#include "apps/common/sweep_slurm.h"
#include "apps/common/sweep_spec.h"
#include "apps/common/sweep_store.h"
#include "apps/untangle/commands.h"
#include "core/check.h"
#include "core/file_io.h"

namespace untangle {

namespace {

const char* kUsage = R"(usage: untangle sweep <list|run|run-one|slurm|status> SPEC [options]
A sweep is a JSON spec (docs/scaling.md): "name", "results" (the run directories' folder, relative to
the spec's folder), "base" (`untangle train` flags without --), "product" (setting -> list of values),
optional "runs" (explicit runs merged over base) and "seeds". Each run has a stable id and directory.

  list SPEC                 one line per run: <id> <directory> <status>
  run SPEC [--workers N] [--gpus 0,1,...]
                            train every unfinished run here, N at once in child processes (default 1;
                            with N > 1 each runs single-threaded); --gpus gives each worker slot one GPU
                            (CUDA_VISIBLE_DEVICES). Resumes interrupted runs. Exit 0 only if all finished.
  run-one SPEC --run ID     train exactly that run: exit 0 at once if it has finished, resume it from its
                            checkpoint if it has one. Holds DIR/sweep.lock while training; when another
                            process holds it (after waiting 2 s) it exits with status 75. Status 3: the
                            loss became non-finite (diverged.json); 130/143: stopped by SIGINT/SIGTERM
                            (checkpoint written); 1: an error (also written to DIR/sweep_error.txt).
  slurm SPEC --out FILE [--partition P] [--time T] [--gpus-per-task G] [--cpus-per-task C]
        [--max-parallel K]  write a Slurm job-array script: one task per run unfinished now, each calling
                            `untangle sweep run-one` with this binary's absolute path. Submit it with
                            sbatch; writing it again later covers only what is still unfinished.
  status SPEC               counts of finished / running / interrupted / failed / pending runs, then one
                            line per run that has not finished (exit 0)
)";

struct LoadedSweep {
  std::string spec_path;  // absolute
  SweepSpec spec;
  std::vector<SpecRun> runs;
  std::string directory_of(const SpecRun& run) const { return spec.results + "/" + run.directory; }
};

LoadedSweep load_sweep(const std::string& path) {
  LoadedSweep sweep;
  sweep.spec_path = std::filesystem::absolute(path).lexically_normal().string();
  sweep.spec = read_sweep_spec(path);
  sweep.runs = expand_sweep(sweep.spec, path);
  return sweep;
}

int sweep_list(const LoadedSweep& sweep) {
  for (const SpecRun& run : sweep.runs)
    std::printf("%s %s %s\n", run.id.c_str(), run.directory.c_str(),
                run_state_name(run_state(sweep.directory_of(run))));
  return 0;
}

int sweep_status(const LoadedSweep& sweep) {
  std::vector<RunState> states;
  size_t counts[5] = {0, 0, 0, 0, 0};
  for (const SpecRun& run : sweep.runs) {
    states.push_back(run_state(sweep.directory_of(run)));
    ++counts[size_t(states.back())];
  }
  std::printf("sweep %s: %zu runs: %zu finished, %zu running, %zu interrupted, %zu failed, %zu pending\n",
              sweep.spec.name.c_str(), sweep.runs.size(), counts[0], counts[1], counts[2], counts[3],
              counts[4]);
  for (size_t i = 0; i < sweep.runs.size(); ++i) {
    if (states[i] == RunState::Finished) continue;
    const std::string why =
        states[i] == RunState::Failed ? ": " + run_failure_text(sweep.directory_of(sweep.runs[i])) : "";
    std::printf("  %-11s %s (%s)%s\n", run_state_name(states[i]), sweep.runs[i].id.c_str(),
                sweep.runs[i].directory.c_str(), why.c_str());
  }
  return 0;
}

const SpecRun& find_run(const LoadedSweep& sweep, const std::string& id) {
  for (const SpecRun& run : sweep.runs)
    if (run.id == id || run.directory == id) return run;
  fail(sweep.spec_path, ": no run has the id '", id, "' (`untangle sweep list ", sweep.spec_path,
       "` lists them)");
}

// The training itself, under the run's lock; returns the exit status.
int train_locked_run(const SpecRun& run, const std::string& directory) {
  std::filesystem::remove(directory + "/" + kRunErrorFile);  // this attempt replaces the last one's error
  append_run_event(directory, "started (pid " + std::to_string(getpid()) + ")");
  try {
    const SweepOutcome outcome = train_sweep_run({run.directory, run.flags()}, directory, "sweep run-one:");
    if (outcome.stopped_by_signal) {
      append_run_event(directory, "stopped by a signal");
      return 128 + outcome.stopped_by_signal;  // the shell's convention: 130, 143
    }
    if (outcome.failed) return 3;
    append_run_event(directory, outcome.skipped ? "found finished" : "finished");
    return 0;
  } catch (const std::exception& error) {
    write_file_atomically(directory + "/" + kRunErrorFile, std::string(error.what()) + "\n");
    throw;
  }
}

int sweep_run_one(const LoadedSweep& sweep, const std::string& id) {
  const SpecRun& run = find_run(sweep, id);
  const std::string directory = sweep.directory_of(run);
  if (run_result_exists(directory)) {
    std::fprintf(stderr, "sweep run-one: %s has finished (%s/metrics.json); nothing to do\n", run.id.c_str(),
                 directory.c_str());
    return 0;
  }
  std::filesystem::create_directories(directory);
  const RunLock lock(directory, 2.0);
  if (!lock.held()) {
    std::fprintf(stderr,
                 "sweep run-one: %s is being trained by another process (it holds %s/%s); exit status 75\n",
                 run.id.c_str(), directory.c_str(), kRunLockFile);
    return 75;  // EX_TEMPFAIL: try again later
  }
  return train_locked_run(run, directory);
}

int sweep_slurm(const LoadedSweep& sweep, Args& args) {
  const std::string out = args.required_text("out");
  SlurmOptions options;
  options.partition = args.text("partition", "");
  options.time = args.text("time", "");
  options.gpus_per_task = args.small_integer("gpus-per-task", 0);
  options.cpus_per_task = args.small_integer("cpus-per-task", 1);
  options.max_parallel = args.small_integer("max-parallel", 0);
  args.reject_unknown();
  std::vector<std::string> unfinished;
  for (const SpecRun& run : sweep.runs)
    if (!run_result_exists(sweep.directory_of(run))) unfinished.push_back(run.id);
  if (unfinished.empty()) {
    std::printf("all %zu runs of %s have finished; no script written, nothing to submit\n", sweep.runs.size(),
                sweep.spec_path.c_str());
    return 0;
  }
  const std::string logs = sweep.spec.results + "/slurm_logs";
  std::filesystem::create_directories(logs);
  const std::string binary = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string script = slurm_array_script(sweep.spec.name, unfinished, options, binary, sweep.spec_path,
                                                std::filesystem::current_path().string(), logs);
  write_file_atomically(out, script);
  std::printf(
      "wrote %s: %zu array tasks (the unfinished runs of %zu); task logs go to %s\nsubmit with: sbatch %s\n",
      out.c_str(), unfinished.size(), sweep.runs.size(), logs.c_str(), out.c_str());
  return 0;
}

}  // namespace

int command_sweep(int argc, char** argv) {
  const bool has_action = argc > 2 && std::string(argv[2]).rfind("--", 0) != 0;
  const bool has_spec = has_action && argc > 3 && std::string(argv[3]).rfind("--", 0) != 0;
  Args args(argc, argv, has_spec ? 4 : has_action ? 3 : 2);
  if (args.help()) {
    std::printf("%s", kUsage);
    return 0;
  }
  require(has_spec,
          "give an action and a spec file: untangle sweep <list|run|run-one|slurm|status> SPEC (see --help)");
  const std::string action = argv[2];
  require(
      action == "list" || action == "run" || action == "run-one" || action == "slurm" || action == "status",
      "unknown action '", action, "' (list, run, run-one, slurm or status; see --help)");
  const LoadedSweep sweep = load_sweep(argv[3]);
  if (action == "slurm") return sweep_slurm(sweep, args);
  if (action == "run-one") {
    const std::string id = args.required_text("run");
    args.reject_unknown();
    return sweep_run_one(sweep, id);
  }
  if (action == "run") {
    LocalRunnerOptions options;
    options.workers = args.small_integer("workers", 1);
    options.gpus = split_list(args.text("gpus", ""));
    args.reject_unknown();
    return run_sweep_locally(sweep.spec_path, sweep.spec, sweep.runs, options);
  }
  args.reject_unknown();
  return action == "list" ? sweep_list(sweep) : sweep_status(sweep);
}

}  // namespace untangle
