// `untangle report`: a self-contained HTML page for a run directory or for a folder of runs (a sweep's
// results, a reproduction app's out/ folder); apps/common/html_report.h says what the pages hold.
#include <cstdio>
#include <filesystem>
#include <string>

#include "apps/common/args.h"
#include "apps/common/html_report.h"
#include "apps/untangle/commands.h"
#include "core/file_io.h"

namespace untangle {

int command_report(int argc, char** argv) {
  // The directory comes first, before the options: `untangle report DIR [--html FILE]`.
  const bool has_directory = argc > 2 && std::string(argv[2]).rfind("--", 0) != 0;
  Args args(argc, argv, has_directory ? 3 : 2);
  if (args.help()) {
    std::printf(R"(usage: untangle report DIR [--html FILE]
Writes one self-contained HTML page (plots as inline SVG, figures as inline PNG; open it in any browser):
  DIR is a run (holds config.json): its scores with their sample sizes, training curves, figures and
             settings;
  DIR is a folder of runs (any depth): runs grouped by setting (their configs apart from the seed), mean
             ± std and n per setting for each metric, a strip plot per metric, every run's scores; runs
             without results are listed as missing.
  --html FILE  where to write (default DIR/report.html; a report is derived from the run files and is
               rewritten each time)
)");
    return 0;
  }
  require(has_directory, "give a run directory or a folder of runs first (see --help)");
  const std::string directory = argv[2];
  const std::string html = args.text("html", directory + "/report.html");
  args.reject_unknown();
  require(std::filesystem::is_directory(directory), directory, ": not a directory");
  const bool single_run = std::filesystem::exists(directory + "/config.json");
  const std::string text = single_run ? run_report_html(directory) : folder_report_html(directory);
  write_file_atomically(html, text);
  std::printf("wrote %s (%s, %zu bytes)\n", html.c_str(), single_run ? "one run" : "folder of runs", text.size());
  return 0;
}

}  // namespace untangle
