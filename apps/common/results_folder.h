// A results folder as the report step sees it: every run directory at or below it (a directory holding
// config.json, the run-directory contract of apps/common/sweep.h), each with its settings and, when it
// finished, its scores. A run counts as finished only when its metrics.json exists and parses; anything
// else (still training, diverged, a damaged file) is kept as a run with the reason it has no scores, so
// that reports can show it as missing instead of silently skipping it.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace untangle {

struct RunRecord {
  std::string directory;
  std::map<std::string, std::string> config;  // config.json, values as text (strings unquoted)
  std::map<std::string, double> metrics;      // metrics.json's numbers (null -> NaN); empty unless finished
  bool finished = false;
  std::string missing;  // why there are no scores ("" when finished)

  // config[key] as text, or `fallback` when absent.
  std::string setting(const std::string& key, const std::string& fallback = "") const;
  // config[key] as a number; NaN when absent or not a number.
  double number(const std::string& key) const;
  // metrics[key]; NaN when absent or the run has not finished.
  double metric(const std::string& key) const;
};

// The run directories (holding config.json) at or below `folder`, sorted by path; `folder` itself when
// it is a run. Throws when `folder` is not a directory.
std::vector<std::string> find_run_directories(const std::string& folder);

// Every run below `folder`, sorted by path. A config.json that does not parse makes the run missing too
// (its settings are then unknown, so no table can place it).
std::vector<RunRecord> read_results_folder(const std::string& folder);

}  // namespace untangle
