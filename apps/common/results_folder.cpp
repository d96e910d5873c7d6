#include "apps/common/results_folder.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "apps/common/json.h"
#include "core/check.h"
#include "core/file_io.h"

namespace untangle {

namespace fs = std::filesystem;

namespace {

std::map<std::string, std::string> read_flat_json_file(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  return parse_flat_json(std::string(bytes.begin(), bytes.end()), path);
}

// A value of a flat JSON object as a number: NaN for null ("") and for text.
double as_number(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  return !text.empty() && end && *end == '\0' ? value : NAN;
}

RunRecord read_run(const std::string& directory) {
  RunRecord run;
  run.directory = directory;
  try {
    run.config = read_flat_json_file(directory + "/config.json");
  } catch (const std::exception& error) {
    run.missing = std::string("unreadable config.json: ") + error.what();
    return run;
  }
  if (!fs::exists(directory + "/metrics.json")) {
    // A diverged run leaves diverged.json instead (apps/common/divergence.h) and will not finish.
    run.missing =
        fs::exists(directory + "/diverged.json") ? "diverged (non-finite loss)" : "no metrics.json yet";
    return run;
  }
  try {
    for (const auto& [key, text] : read_flat_json_file(directory + "/metrics.json"))
      run.metrics[key] = as_number(text);
    run.finished = true;
  } catch (const std::exception& error) {
    run.metrics.clear();
    run.missing = std::string("unreadable metrics.json: ") + error.what();
  }
  return run;
}

}  // namespace

std::string RunRecord::setting(const std::string& key, const std::string& fallback) const {
  auto it = config.find(key);
  return it == config.end() ? fallback : it->second;
}

double RunRecord::number(const std::string& key) const {
  auto it = config.find(key);
  return it == config.end() ? NAN : as_number(it->second);
}

double RunRecord::metric(const std::string& key) const {
  auto it = metrics.find(key);
  return it == metrics.end() ? NAN : it->second;
}

std::vector<std::string> find_run_directories(const std::string& folder) {
  require(fs::is_directory(folder), folder, ": not a directory");
  std::vector<std::string> runs;
  if (fs::exists(folder + "/config.json")) return {folder};
  for (const auto& entry :
       fs::recursive_directory_iterator(folder, fs::directory_options::skip_permission_denied))
    if (entry.is_directory() && fs::exists(entry.path() / "config.json"))
      runs.push_back(entry.path().string());
  std::sort(runs.begin(), runs.end());
  return runs;
}

std::vector<RunRecord> read_results_folder(const std::string& folder) {
  std::vector<RunRecord> runs;
  for (const std::string& directory : find_run_directories(folder)) runs.push_back(read_run(directory));
  return runs;
}

}  // namespace untangle
