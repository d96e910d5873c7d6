#include "apps/common/sweep_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "apps/common/divergence.h"
#include "apps/common/json.h"
#include "core/check.h"
#include "core/file_io.h"

namespace untangle {

const char* run_state_name(RunState state) {
  switch (state) {
    case RunState::Finished: return "finished";
    case RunState::Running: return "running";
    case RunState::Interrupted: return "interrupted";
    case RunState::Failed: return "failed";
    case RunState::Pending: return "pending";
  }
  return "?";
}

bool run_result_exists(const std::string& run_directory) {
  const std::string path = run_directory + "/metrics.json";
  if (!std::filesystem::is_regular_file(path)) return false;
  try {
    const std::vector<uint8_t> bytes = read_file_bytes(path);
    return !parse_flat_json(std::string(bytes.begin(), bytes.end()), path).empty();
  } catch (const Error&) {
    return false;  // unreadable or malformed: not a result (the next attempt writes it again)
  }
}

namespace {

// Whether another process holds DIR/sweep.lock: a shared lock cannot be taken while it does.
bool lock_held_elsewhere(const std::string& run_directory) {
  const std::string path = run_directory + "/" + kRunLockFile;
  const int descriptor = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) return false;  // never locked
  const bool held = flock(descriptor, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(descriptor);  // also releases the shared lock, if it was taken
  return held;
}

}  // namespace

RunState run_state(const std::string& run_directory) {
  if (run_result_exists(run_directory)) return RunState::Finished;
  if (lock_held_elsewhere(run_directory)) return RunState::Running;
  if (read_divergence(run_directory) || std::filesystem::exists(run_directory + "/" + kRunErrorFile))
    return RunState::Failed;
  if (std::filesystem::exists(run_directory + "/checkpoint.utg")) return RunState::Interrupted;
  return RunState::Pending;
}

std::string run_failure_text(const std::string& run_directory) {
  if (const std::optional<Divergence> diverged = read_divergence(run_directory))
    return "diverged at step " + std::to_string(diverged->step) + " (" + diverged->cause + ")";
  std::ifstream in(run_directory + "/" + kRunErrorFile);
  std::string line;
  std::getline(in, line);
  return line;
}

void append_run_event(const std::string& run_directory, const std::string& event) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::ofstream out(run_directory + "/" + kRunEventsFile, std::ios::app);
  out << stamp << " " << event << "\n";  // one short write: a kill leaves whole lines or none
  require(bool(out.flush()), run_directory, "/", kRunEventsFile, ": cannot append");
}

RunLock::RunLock(const std::string& run_directory, double wait_seconds) {
  const std::string path = run_directory + "/" + kRunLockFile;
  descriptor_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  require(descriptor_ >= 0, path, ": cannot open the run's lock file (", std::strerror(errno), ")");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_seconds);
  for (;;) {
    if (flock(descriptor_, LOCK_EX | LOCK_NB) == 0) {
      held_ = true;
      return;
    }
    require(errno == EWOULDBLOCK || errno == EINTR, path, ": flock failed (", std::strerror(errno), ")");
    if (std::chrono::steady_clock::now() >= deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

RunLock::~RunLock() {
  if (descriptor_ >= 0) close(descriptor_);  // closing releases the flock
}

}  // namespace untangle
