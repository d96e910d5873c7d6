// The result store of a sweep (docs/scaling.md): one directory per run, and what the files in it say
// about the run. A run is finished only when its metrics.json exists and parses (the trainer writes it
// last and atomically: a temporary file, then a rename). While a process trains a run it holds an
// exclusive flock on DIR/sweep.lock, so two processes (two local runners, a runner and a Slurm task)
// never train the same run at once; the kernel drops the lock when the process dies, even by SIGKILL.
#pragma once
#include <string>

namespace untangle {

enum class RunState {
  Finished,     // metrics.json exists and parses
  Running,      // another process holds its lock
  Interrupted,  // a checkpoint and no metrics.json: the next attempt resumes from it
  Failed,       // diverged.json (the loss became non-finite) or sweep_error.txt (the last attempt's error)
  Pending,      // nothing trained yet
};
const char* run_state_name(RunState state);

// The files the sweep adds to a run directory.
constexpr const char* kRunLockFile = "sweep.lock";
constexpr const char* kRunErrorFile = "sweep_error.txt";    // the error that stopped the last attempt
constexpr const char* kRunEventsFile = "sweep_events.log";  // one line per attempt's start and finish

bool run_result_exists(const std::string& run_directory);  // metrics.json exists and parses
RunState run_state(const std::string& run_directory);
// Why a failed run failed: the divergence's step and cause, or the error file's text (one line).
std::string run_failure_text(const std::string& run_directory);

// Appends one line to DIR/sweep_events.log ("finished", "started pid 123"), with the time.
void append_run_event(const std::string& run_directory, const std::string& event);

// An exclusive flock on DIR/sweep.lock, released by the destructor (or by the process's death).
class RunLock {
 public:
  // Tries for up to `wait_seconds` (a status probe holds the lock for microseconds); held() says
  // whether it was taken.
  RunLock(const std::string& run_directory, double wait_seconds);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  bool held() const { return held_; }

 private:
  int descriptor_ = -1;
  bool held_ = false;
};

}  // namespace untangle
