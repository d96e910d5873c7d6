// `untangle report`: a self-contained HTML page for a run directory or for a folder of runs (a sweep's
// results, a reproduction app's out/ folder); apps/common/html_report.h says what the pages hold. With
// --table NAME, one of the papers' tables from the folder instead (apps/common/paper_tables.h).
#include <cstdio>
#include <filesystem>
#include <string>

#include "apps/common/args.h"
#include "apps/common/html_report.h"
#include "apps/common/paper_tables.h"
#include "apps/untangle/commands.h"
#include "core/file_io.h"

namespace untangle {

namespace {

// `--table NAME`: the table as Markdown, LaTeX or CSV on stdout (--format), or every rendering and its
// plots written into a folder.
int write_table(const std::string& directory, const std::string& name, const std::string& format,
                const std::string& out_directory) {
  const PaperTable table = make_paper_table(name, read_results_folder(directory));
  if (!format.empty()) {
    require(format == "md" || format == "tex" || format == "csv", "--format must be md, tex or csv, got '",
            format, "'");
    const std::string text = format == "md"    ? table_markdown(table)
                             : format == "tex" ? table_latex(table)
                                               : table_csv(table);
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  std::printf("%s\n", table_markdown(table).c_str());
  for (const std::string& path : write_paper_table(table, out_directory))
    std::printf("wrote %s\n", path.c_str());
  return 0;
}

}  // namespace

int command_report(int argc, char** argv) {
  // The directory comes first, before the options: `untangle report DIR [--html FILE]`.
  const bool has_directory = argc > 2 && std::string(argv[2]).rfind("--", 0) != 0;
  Args args(argc, argv, has_directory ? 3 : 2);
  if (args.help()) {
    std::printf(R"(usage: untangle report DIR [--html FILE]
       untangle report DIR --table NAME [--out-dir D | --format md|tex|csv]
Writes one self-contained HTML page (plots as inline SVG, figures as inline PNG; open it in any browser):
  DIR is a run (holds config.json): its scores with their sample sizes, training curves, figures and
             settings;
  DIR is a folder of runs (any depth): runs grouped by setting (their configs apart from the seed), mean
             ± std and n per setting for each metric, a strip plot per metric, every run's scores; runs
             without results are listed as missing.
  --html FILE  where to write (default DIR/report.html; a report is derived from the run files and is
               rewritten each time)
With --table, one of the papers' tables from the runs at or below DIR instead, each run placed by its
config.json (a run counts once its metrics.json exists and parses; cells without one show as — (0/N)):
  --table NAME     zietlow1, zietlow3, zietlow4, zietlow5 (Zietlow et al. Tables 1, 3, 4, 5: MIG, DCI,
                   FactorVAE score, SAP; models x dSprites/Shapes3D x orig./mod./noise, beside the paper's
                   numbers, over-pruned runs left out), zietlow-line-search (Fig. 5), michlo-blur (Michlo
                   et al. Fig. 11: MSE vs box blur), michlo-spacing (Fig. 9),
                   michlo-datasets (Fig. 6)
  --out-dir D      write D/NAME.md, .tex, .csv, NAME_runs.svg (every run per cell) and, for a swept
                   hyperparameter, NAME_sweep.svg (default DIR/tables); the Markdown is printed too
  --format F       print only the table as md, tex or csv (nothing written)
)");
    return 0;
  }
  require(has_directory, "give a run directory or a folder of runs first (see --help)");
  const std::string directory = argv[2];
  const std::string html = args.text("html", directory + "/report.html");
  const std::string table = args.text("table", ""), format = args.text("format", "");
  const std::string out_directory = args.text("out-dir", directory + "/tables");
  args.reject_unknown();
  require(std::filesystem::is_directory(directory), directory, ": not a directory");
  if (!table.empty()) return write_table(directory, table, format, out_directory);
  require(format.empty(), "--format needs --table NAME");
  const bool single_run = std::filesystem::exists(directory + "/config.json");
  const std::string text = single_run ? run_report_html(directory) : folder_report_html(directory);
  write_file_atomically(html, text);
  std::printf("wrote %s (%s, %zu bytes)\n", html.c_str(), single_run ? "one run" : "folder of runs",
              text.size());
  return 0;
}

}  // namespace untangle
