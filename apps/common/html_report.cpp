#include "apps/common/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "apps/common/json.h"
#include "apps/common/summary.h"
#include "apps/common/svg_plot.h"
#include "core/check.h"
#include "core/file_io.h"

namespace untangle {

namespace fs = std::filesystem;

namespace {

using FlatJson = std::map<std::string, std::string>;

// The page's frame. The script marks images that failed to load (visibly, and in a body attribute that
// the browser test reads); the page works without it.
const char* kPageStyle = R"(<style>
body { font-family: sans-serif; margin: 24px; max-width: 1400px; }
table { border-collapse: collapse; margin: 8px 0 20px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.missing { color: #b00; }
.plots svg { margin: 4px; border: 1px solid #eee; }
img { image-rendering: pixelated; max-width: 100%; }
details { margin: 8px 0; }
</style>)";
const char* kImageCheck = R"(<script>
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var broken = images.filter(function (image) { return !(image.complete && image.naturalWidth > 0); });
  broken.forEach(function (image) { image.insertAdjacentHTML('afterend', '<p class="missing">image failed to load: ' + image.alt + '</p>'); });
  document.body.setAttribute('data-images', broken.length ? 'broken ' + broken.length : 'loaded ' + images.length);
});
</script>)";

std::string page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
         "</title>\n" + kPageStyle + "\n</head>\n<body data-images=\"pending\">\n<h1>" + html_escape(title) +
         "</h1>\n" + body + kImageCheck + "\n</body></html>\n";
}

std::string read_text(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

// A results file's values, or the reason it could not be read.
struct JsonFile {
  FlatJson values;
  std::string error;
};

JsonFile read_json(const std::string& path) {
  JsonFile file;
  try {
    file.values = parse_flat_json(read_text(path), path);
  } catch (const std::exception& error) {
    file.error = error.what();
  }
  return file;
}

std::string field_or(const FlatJson& values, const std::string& key, const std::string& fallback) {
  return values.count(key) ? values.at(key) : fallback;
}

// The sample sizes that made a results file's scores: metrics.json names them "metric_sizes", the eval
// files "sizes"; "metric_points" (when present) spells out the points per metric.
std::string sample_sizes(const FlatJson& values) {
  return field_or(values, "metric_sizes", field_or(values, "sizes", "not recorded"));
}

bool is_number(const std::string& text, double* value = nullptr) {
  if (text.empty()) return false;
  char* end = nullptr;
  const double parsed = std::strtod(text.c_str(), &end);
  if (value) *value = parsed;
  return end && *end == '\0';
}

std::string number_text(double value) {
  if (!std::isfinite(value)) return "—";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.4g", value);
  return buffer;
}

// train_log.csv as columns; a partial last line (a run being written) is left out.
std::map<std::string, std::vector<double>> read_training_log(const std::string& path,
                                                             std::vector<std::string>& order) {
  std::map<std::string, std::vector<double>> columns;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return columns;
  std::stringstream header(line);
  for (std::string name; std::getline(header, name, ',');) order.push_back(name);
  while (std::getline(in, line)) {
    std::vector<double> row;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) {
      double value = NAN;
      row.push_back(is_number(cell, &value) ? value : NAN);
    }
    if (row.size() != order.size()) continue;
    for (size_t i = 0; i < row.size(); ++i) columns[order[i]].push_back(row[i]);
  }
  return columns;
}

std::string curves_section(const std::string& directory) {
  std::vector<std::string> order;
  const auto columns = read_training_log(directory + "/train_log.csv", order);
  if (columns.empty() || !columns.count("step"))
    return "<h2>Training curves</h2><p class=\"missing\">no train_log.csv rows</p>\n";
  std::string s = "<h2>Training curves</h2>\n<p>From train_log.csv (" +
                  std::to_string(columns.at("step").size()) +
                  " rows); each plot's y axis spans the column's range.</p>\n<div class=\"plots\">\n";
  for (const std::string& name : order) {
    if (name == "step" || name == "seconds") continue;
    const std::vector<double>& y = columns.at(name);
    double low = INFINITY, high = -INFINITY;
    for (double v : y)
      if (std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
    if (!std::isfinite(low)) low = 0, high = 1;
    if (high <= low) high = low + 1;
    s += curve_plot_svg(columns.at("step"), y, {name, "step", name, low, high});
  }
  return s + "</div>\n";
}

std::string key_value_table(const FlatJson& values, const std::string& skip_prefix = "") {
  std::string s = "<table>\n";
  for (const auto& [key, value] : values) {
    if (!skip_prefix.empty() && key.rfind(skip_prefix, 0) == 0) continue;
    double number = 0;
    const bool numeric = is_number(value, &number);
    s += "<tr><th>" + html_escape(key) + "</th><td" +
         (numeric ? " class=\"number\">" + number_text(number) : ">" + html_escape(value)) + "</td></tr>\n";
  }
  return s + "</table>\n";
}

// metrics.json and every eval*.json: the scores with the step and sample sizes that made them.
std::string results_section(const std::string& directory) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && entry.path().extension() == ".json" && name != "config.json")
      files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  std::string s = "<h2>Scores</h2>\n";
  if (files.empty())
    return s + "<p class=\"missing\">no results yet (metrics.json is written when training ends)</p>\n";
  for (const std::string& name : files) {
    const JsonFile file = read_json(directory + "/" + name);
    if (!file.error.empty()) {
      s += "<h3>" + html_escape(name) + "</h3><p class=\"missing\">" + html_escape(file.error) + "</p>\n";
      continue;
    }
    s += "<h3>" + html_escape(name) + "</h3>\n<p>step " +
         html_escape(field_or(file.values, "step", "not recorded")) +
         "; sample sizes: " + html_escape(sample_sizes(file.values)) + "</p>\n" +
         key_value_table(file.values, "mean_posterior_variance.");
  }
  return s;
}

std::string image_tag(const std::string& path, const std::string& caption) {
  return "<figure><img alt=\"" + html_escape(caption) + "\" src=\"data:image/png;base64," +
         base64_encode(read_file_bytes(path)) + "\"><figcaption>" + html_escape(caption) +
         "</figcaption></figure>\n";
}

// The end-of-training figures and the newest `untangle visualize` output (figures/step_<N>/).
std::string figures_section(const std::string& directory) {
  std::string s = "<h2>Figures</h2>\n";
  bool any = false;
  for (const char* name : {"traversals.png", "reconstructions.png"})
    if (fs::exists(directory + "/" + name)) s += image_tag(directory + "/" + name, name), any = true;
  long long newest = -1;
  if (fs::is_directory(directory + "/figures"))
    for (const auto& entry : fs::directory_iterator(directory + "/figures")) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("step_", 0) == 0 && is_number(name.substr(5)))
        newest = std::max(newest, std::stoll(name.substr(5)));
    }
  if (newest >= 0) {
    const std::string folder = directory + "/figures/step_" + std::to_string(newest);
    for (const char* name : {"traversals.png", "traversal_animation.png", "reconstructions.png"})
      if (fs::exists(folder + "/" + name))
        s += image_tag(folder + "/" + name,
                       "untangle visualize, step " + std::to_string(newest) + ": " + name),
            any = true;
  }
  return any ? s
             : s + "<p class=\"missing\">no figures (written when training ends, or by untangle "
                   "visualize)</p>\n";
}

// The metrics a folder table shows, in this order, when any run has them.
const char* kHeadlineMetrics[] = {
    "mig", "dci.disentanglement",     "dci.completeness",      "dci.informativeness_test",
    "sap", "factorvae.eval_accuracy", "betavae.eval_accuracy", "active_units"};

struct RunSummary {
  std::string directory, setting;
  FlatJson metrics;
  std::string missing;  // why there are no scores, if there are none
};

// A setting is what the runs' configs say apart from the seed (and the build version / device): the
// config keys whose values differ between runs, as "key=value" pairs.
std::vector<RunSummary> summarise_runs(const std::vector<std::string>& directories) {
  std::vector<FlatJson> configs;
  for (const std::string& directory : directories)
    configs.push_back(read_json(directory + "/config.json").values);
  const std::set<std::string> ignored = {"seed", "version", "device"};
  std::set<std::string> differing;
  for (const FlatJson& config : configs)
    for (const auto& [key, value] : config)
      for (const FlatJson& other : configs)
        if (!ignored.count(key) && (!other.count(key) || other.at(key) != value)) differing.insert(key);
  std::vector<RunSummary> runs;
  for (size_t i = 0; i < directories.size(); ++i) {
    RunSummary run{directories[i], "", {}, ""};
    for (const std::string& key : differing) {
      // A file path (a manipulation file) is named by its last two parts, enough to tell them apart.
      std::string value = configs[i].count(key) ? configs[i].at(key) : "—";
      const fs::path path(value);
      if (path.is_absolute()) value = (path.parent_path().filename() / path.filename()).string();
      run.setting += (run.setting.empty() ? "" : ", ") + key + "=" + value;
    }
    if (run.setting.empty()) run.setting = "(one setting)";
    if (!fs::exists(directories[i] + "/metrics.json")) {
      run.missing = "no metrics.json yet";
    } else {
      JsonFile metrics = read_json(directories[i] + "/metrics.json");
      run.metrics = metrics.values;
      run.missing = metrics.error;
    }
    runs.push_back(run);
  }
  return runs;
}

double metric_of(const RunSummary& run, const std::string& metric) {
  double value = NAN;
  return run.metrics.count(metric) && is_number(run.metrics.at(metric), &value) ? value : NAN;
}

}  // namespace

std::string html_escape(const std::string& text) {
  return svg_escape(text);
}

std::string base64_encode(const std::vector<uint8_t>& bytes) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t chunk = uint32_t(bytes[i]) << 16 |
                           (i + 1 < bytes.size() ? uint32_t(bytes[i + 1]) << 8 : 0) |
                           (i + 2 < bytes.size() ? uint32_t(bytes[i + 2]) : 0);
    out += kAlphabet[chunk >> 18 & 63];
    out += kAlphabet[chunk >> 12 & 63];
    out += i + 1 < bytes.size() ? kAlphabet[chunk >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

std::string run_report_html(const std::string& run_directory) {
  const JsonFile config = read_json(run_directory + "/config.json");
  require(config.error.empty(), config.error);
  auto field = [&](const char* key) { return field_or(config.values, key, "?"); };
  std::string body = "<p>" + html_escape(field("model")) + " on " + html_escape(field("dataset")) +
                     ", seed " + html_escape(field("seed")) + ", " + html_escape(field("steps")) +
                     " steps planned; directory " + html_escape(run_directory) + "</p>\n";
  body += results_section(run_directory) + curves_section(run_directory) + figures_section(run_directory);
  body += "<h2>Settings</h2>\n<details><summary>config.json (" + std::to_string(config.values.size()) +
          " settings)</summary>\n" + key_value_table(config.values) + "</details>\n";
  return page("untangle run: " + fs::path(run_directory).filename().string(), body);
}

std::string folder_report_html(const std::string& folder) {
  const std::vector<RunSummary> runs = summarise_runs(find_run_directories(folder));
  require(!runs.empty(), folder, ": no run directories (holding config.json) at or below it");
  std::vector<std::string> metrics;
  for (const char* metric : kHeadlineMetrics)
    if (std::any_of(runs.begin(), runs.end(),
                    [&](const RunSummary& run) { return run.metrics.count(metric); }))
      metrics.push_back(metric);
  std::vector<std::string> settings;
  for (const RunSummary& run : runs)
    if (std::find(settings.begin(), settings.end(), run.setting) == settings.end())
      settings.push_back(run.setting);

  std::set<std::string> sizes;
  for (const RunSummary& run : runs)
    if (run.missing.empty()) sizes.insert(sample_sizes(run.metrics));
  std::string sizes_text;
  for (const std::string& size : sizes) sizes_text += (sizes_text.empty() ? "" : ", ") + size;
  std::string body = "<p>" + std::to_string(runs.size()) + " runs in " + std::to_string(settings.size()) +
                     " settings below " + html_escape(folder) +
                     "; scores from each run's metrics.json (sample sizes: " +
                     html_escape(sizes_text.empty() ? "not recorded" : sizes_text) +
                     "), mean ± sample std over the runs of a setting.</p>\n";
  // Settings are numbered S1, S2, ... so the plots' axes stay readable; the table says which is which.
  auto setting_id = [&](const std::string& setting) {
    return "S" + std::to_string(std::find(settings.begin(), settings.end(), setting) - settings.begin() + 1);
  };
  body +=
      "<h2>Scores by setting</h2>\n<table>\n<tr><th></th><th>setting</th><th>runs with scores / runs</th>";
  for (const std::string& metric : metrics) body += "<th>" + html_escape(metric) + "</th>";
  body += "</tr>\n";
  for (const std::string& setting : settings) {
    size_t total = 0, scored = 0;
    for (const RunSummary& run : runs)
      if (run.setting == setting) ++total, scored += run.missing.empty() ? 1 : 0;
    body += "<tr><th>" + setting_id(setting) + "</th><td>" + html_escape(setting) +
            "</td><td class=\"number\">" + std::to_string(scored) + " / " + std::to_string(total) + "</td>";
    for (const std::string& metric : metrics) {
      std::vector<double> values;
      for (const RunSummary& run : runs)
        if (run.setting == setting) values.push_back(metric_of(run, metric));
      body += "<td class=\"number\">" + html_escape(mean_std_text(mean_and_std(values))) + "</td>";
    }
    body += "</tr>\n";
  }
  body += "</table>\n<h2>Every run</h2>\n<div class=\"plots\">\n";
  for (const std::string& metric : metrics) {
    std::vector<StripGroup> groups;
    double largest = 0.0;
    for (const std::string& setting : settings) {
      groups.push_back({setting_id(setting), {}});
      for (const RunSummary& run : runs)
        if (run.setting == setting) groups.back().values.push_back(metric_of(run, metric));
      for (double value : groups.back().values)
        if (std::isfinite(value)) largest = std::max(largest, value);
    }
    // Scores live in [0, 1]; counts (active units) get an axis up to their largest value.
    const double top = largest > 1.0 ? std::ceil(largest) : 1.0;
    body += strip_plot_svg(groups, {metric, "setting", metric, 0.0, top, top == 1.0});
  }
  body += "</div>\n<table>\n<tr><th>run</th><th>setting</th><th>step</th>";
  for (const std::string& metric : metrics) body += "<th>" + html_escape(metric) + "</th>";
  body += "</tr>\n";
  for (const RunSummary& run : runs) {
    body += "<tr><td>" + html_escape(fs::path(run.directory).lexically_relative(folder).string()) +
            "</td><td>" + setting_id(run.setting) + "</td>";
    if (!run.missing.empty()) {
      body += "<td class=\"missing\" colspan=\"" + std::to_string(metrics.size() + 1) + "\">" +
              html_escape(run.missing) + "</td></tr>\n";
      continue;
    }
    body += "<td class=\"number\">" + html_escape(run.metrics.count("step") ? run.metrics.at("step") : "?") +
            "</td>";
    for (const std::string& metric : metrics)
      body += "<td class=\"number\">" + number_text(metric_of(run, metric)) + "</td>";
    body += "</tr>\n";
  }
  return page("untangle runs: " + fs::path(folder).filename().string(), body + "</table>\n");
}

}  // namespace untangle
