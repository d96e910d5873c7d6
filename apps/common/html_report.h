// One self-contained HTML page per run, and one per folder of runs: everything inline (SVG plots, PNG
// figures as data: URIs), so the page can be mailed, archived or opened from a cluster's scratch disk.
//  - a run (a directory with config.json): its settings, the training-curve plots from train_log.csv,
//    a table per results file (metrics.json, eval*.json) with the sample sizes that made the scores, and
//    its figures (traversals, reconstructions; the newest `untangle visualize` output too);
//  - a folder: every run below it grouped by setting (the config without its seed), a table of mean ± std
//    (and n) per setting and metric, and one strip plot per metric with every run's score visible.
// Results still missing (a run without metrics.json, a damaged file) are shown as such, never skipped.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "apps/common/results_folder.h"  // find_run_directories

namespace untangle {

std::string run_report_html(const std::string& run_directory);
std::string folder_report_html(const std::string& folder);

// Standard base64 (RFC 4648 §4, with '=' padding), for data: URIs.
std::string base64_encode(const std::vector<uint8_t>& bytes);
// Escapes & < > " for HTML text and attribute values.
std::string html_escape(const std::string& text);

}  // namespace untangle
