#include "apps/common/sweep_runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>

#include "apps/common/progress.h"
#include "apps/common/sweep_store.h"
#include "core/check.h"

extern char** environ;  // what the children inherit, with UNTANGLE_THREADS and CUDA_VISIBLE_DEVICES set

namespace untangle {

namespace {

constexpr const char* kRunLogFile = "sweep_log.txt";  // a child's output, appended attempt after attempt

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// This environment with `changes` ("NAME=value") replacing the variables of the same names.
std::vector<std::string> environment_with(const std::vector<std::string>& changes) {
  std::vector<std::string> environment = changes;
  for (char** entry = environ; *entry; ++entry) {
    const std::string text = *entry;
    bool replaced = false;
    for (const std::string& change : changes)
      replaced = replaced || text.compare(0, change.find('=') + 1, change, 0, change.find('=') + 1) == 0;
    if (!replaced) environment.push_back(text);
  }
  return environment;
}

// Starts `untangle sweep run-one SPEC --run ID` with its output appended to DIR/sweep_log.txt.
pid_t start_child(const std::string& spec_path, const SpecRun& run, const std::string& directory,
                  std::vector<std::string> environment) {
  std::filesystem::create_directories(directory);
  std::vector<std::string> words = {"untangle", "sweep", "run-one", spec_path, "--run", run.id};
  std::vector<char*> argv, env;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  for (std::string& entry : environment) env.push_back(entry.data());
  env.push_back(nullptr);
  const std::string log = directory + "/" + kRunLogFile;
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  pid_t pid = 0;
  const int failed = posix_spawn(&pid, "/proc/self/exe", &files, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&files);
  require(failed == 0, "cannot start a process for run ", run.id, " (posix_spawn error ", failed, ")");
  return pid;
}

// The lines of a failed attempt's log worth showing: those that say "error", else the last three.
std::vector<std::string> error_lines(const std::string& log_path) {
  std::ifstream in(log_path);
  std::vector<std::string> all, errors;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const size_t cut = line.rfind('\r');  // progress lines overwrite themselves with carriage returns
    all.push_back(cut == std::string::npos ? line : line.substr(cut + 1));
  }
  // Only this attempt's lines: after the last "sweep run-one:" line that started it.
  size_t first = 0;
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i].rfind("sweep run-one:", 0) == 0) first = i;
  for (size_t i = first; i < all.size(); ++i)
    if (all[i].find("error") != std::string::npos) errors.push_back(all[i]);
  if (errors.empty())
    for (size_t i = all.size() > first + 3 ? all.size() - 3 : first; i < all.size(); ++i)
      errors.push_back(all[i]);
  return errors;
}

struct Failure {
  size_t run;
  std::string status;
  std::vector<std::string> lines;
};

class ProgressLine {
 public:
  explicit ProgressLine(size_t total) : total_(total), terminal_(isatty(2)) {}
  void show(size_t done, size_t running, size_t failed, size_t pending, double eta_seconds) {
    char text[256];
    std::snprintf(text, sizeof(text), "sweep: %zu/%zu done, %zu running, %zu failed, %zu pending, ETA %s",
                  done, total_, running, failed, pending,
                  eta_seconds < 0 ? "?" : ProgressReporter::clock_text(eta_seconds).c_str());
    std::fprintf(stderr, terminal_ ? "\r%s\033[K" : "%s\n", text);
  }
  void finish() {
    if (terminal_) std::fprintf(stderr, "\n");
  }

 private:
  size_t total_;
  bool terminal_;
};

// The runner's state: what waits, what runs in which worker slot, what ended how.
class LocalRunner {
 public:
  LocalRunner(const std::string& spec_path, const SweepSpec& spec, const std::vector<SpecRun>& runs,
              const LocalRunnerOptions& options)
      : spec_path_(spec_path),
        spec_(spec),
        runs_(runs),
        options_(options),
        progress_(runs.size()),
        slot_taken_(size_t(options.workers), false) {
    for (size_t i = 0; i < runs.size(); ++i)
      if (!run_result_exists(directory_of(i))) queue_.push_back(i);
    done_ = runs.size() - queue_.size();
  }

  int run() {
    std::fprintf(stderr, "sweep %s: %zu runs, %zu finished earlier, %zu to train with %d worker%s into %s\n",
                 spec_.name.c_str(), runs_.size(), done_, queue_.size(), options_.workers,
                 options_.workers > 1 ? "s" : "", spec_.results.c_str());
    for (;;) {
      while (!queue_.empty() && children_.size() < size_t(options_.workers)) start_next();
      if (children_.empty()) break;
      // ETA: the mean time of the runs trained so far, over the runs left, `workers` at a time.
      const double eta = timed_ == 0
                             ? -1.0
                             : seconds_trained_ / double(timed_) * double(queue_.size() + children_.size()) /
                                   double(options_.workers);
      progress_.show(done_, children_.size(), failures_.size(), queue_.size(), eta);
      wait_for_one();
    }
    progress_.show(done_, 0, failures_.size(), 0, 0);
    progress_.finish();
    print_summary();
    return done_ == runs_.size() ? 0 : 1;
  }

 private:
  struct Child {
    size_t run;
    int slot;
    double started;
  };

  std::string directory_of(size_t i) const { return spec_.results + "/" + runs_[i].directory; }

  void start_next() {
    const int slot = int(std::find(slot_taken_.begin(), slot_taken_.end(), false) - slot_taken_.begin());
    std::vector<std::string> changes;
    if (options_.workers > 1) changes.push_back("UNTANGLE_THREADS=1");  // separate runs scale, threads idle
    if (!options_.gpus.empty())
      changes.push_back("CUDA_VISIBLE_DEVICES=" + options_.gpus[size_t(slot) % options_.gpus.size()]);
    const size_t run = queue_.front();
    queue_.pop_front();
    const pid_t pid = start_child(spec_path_, runs_[run], directory_of(run), environment_with(changes));
    children_[pid] = {run, slot, seconds_now()};
    slot_taken_[size_t(slot)] = true;
  }

  void wait_for_one() {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    const auto found = children_.find(pid);
    if (pid < 0 || found == children_.end()) return;  // interrupted, or not one of ours
    const Child child = found->second;
    children_.erase(found);
    slot_taken_[size_t(child.slot)] = false;
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code == 0 && run_result_exists(directory_of(child.run))) {
      ++done_;
      seconds_trained_ += seconds_now() - child.started;
      ++timed_;
    } else if (code == 75) {
      busy_.push_back(child.run);
    } else {
      failures_.push_back({child.run,
                           code == 3 ? "the loss became non-finite" : "exit status " + std::to_string(code),
                           error_lines(directory_of(child.run) + "/" + kRunLogFile)});
    }
  }

  void print_summary() const {
    for (const Failure& failure : failures_) {
      std::fprintf(stderr, "failed: %s (%s): %s; from %s/%s:\n", runs_[failure.run].id.c_str(),
                   runs_[failure.run].directory.c_str(), failure.status.c_str(),
                   directory_of(failure.run).c_str(), kRunLogFile);
      for (const std::string& line : failure.lines) std::fprintf(stderr, "    %s\n", line.c_str());
    }
    for (size_t run : busy_)
      std::fprintf(stderr, "not trained here: %s is being trained by another process (it holds %s/%s)\n",
                   runs_[run].id.c_str(), directory_of(run).c_str(), kRunLockFile);
  }

  const std::string spec_path_;
  const SweepSpec& spec_;
  const std::vector<SpecRun>& runs_;
  const LocalRunnerOptions options_;
  ProgressLine progress_;
  std::deque<size_t> queue_;
  std::map<pid_t, Child> children_;
  std::vector<bool> slot_taken_;
  std::vector<Failure> failures_;
  std::vector<size_t> busy_;
  size_t done_ = 0, timed_ = 0;
  double seconds_trained_ = 0;
};

}  // namespace

int run_sweep_locally(const std::string& spec_path, const SweepSpec& spec, const std::vector<SpecRun>& runs,
                      const LocalRunnerOptions& options) {
  require(options.workers >= 1, "--workers must be at least 1");
  return LocalRunner(spec_path, spec, runs, options).run();
}

}  // namespace untangle
