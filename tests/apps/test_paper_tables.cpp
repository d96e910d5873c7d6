// The papers' tables from a results folder (apps/common/paper_tables.h, `untangle report --table`): small
// fake folders of run directories written here (config.json + metrics.json, some runs unfinished, one
// metrics.json and one config.json damaged), checked for the paper's layout, hand-computed mean ± std and
// n, the paper's numbers beside ours, missing cells shown, and LaTeX / CSV that parse.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "apps/common/paper_tables.h"
#include "cli_helpers.h"
#include "core/file_io.h"
#include "scratch_files.h"

using namespace untangle;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// One run directory; metrics "" leaves the run unfinished (no metrics.json).
void write_run(const std::string& directory, const std::string& config, const std::string& metrics) {
  std::filesystem::create_directories(directory);
  write_file_atomically(directory + "/config.json", config);
  if (!metrics.empty()) write_file_atomically(directory + "/metrics.json", metrics);
}

std::string zietlow_config(const std::string& model, const std::string& dataset, const std::string& variant,
                           double beta, int seed) {
  const std::string manipulation = variant == "mod" ? "/out/manipulation/shapes3d/manipulation.utg" : "";
  return R"({"model": ")" + model + R"(", "dataset": ")" + dataset + R"(", "beta": )" + std::to_string(beta) +
         R"(, "noise": )" + (variant == "noise" ? "0.175" : "0") + R"(, "manipulation": ")" + manipulation +
         R"(", "steps": 100, "seed": )" + std::to_string(seed) + "}";
}

std::string mig_metrics(double mig, int active_units) {
  return R"({"mig": )" + std::to_string(mig) + R"(, "dci.disentanglement": 0.5, "active_units": )" +
         std::to_string(active_units) + "}";
}

// A partial Zietlow sweep: Shapes3D β-VAE (β = 32, Table 2) in all three variants, one PCL run on dSprites,
// a line-search run (β = 8, 0.25 × Table 2), a run of another paper, and damaged files.
std::string make_zietlow_folder() {
  const std::string root = testing::scratch_path("zietlow_results");
  std::filesystem::remove_all(root);
  const double migs[] = {0.1, 0.2, 0.6};
  for (int seed = 0; seed < 3; ++seed)
    write_run(root + "/runs/orig" + std::to_string(seed),
              zietlow_config("beta_vae", "shapes3d", "orig", 32, seed), mig_metrics(migs[seed], 6));
  write_run(root + "/runs/mod0", zietlow_config("beta_vae", "shapes3d", "mod", 32, 0), mig_metrics(0.05, 6));
  write_run(root + "/runs/mod1", zietlow_config("beta_vae", "shapes3d", "mod", 32, 1), mig_metrics(0.15, 6));
  write_run(root + "/runs/mod2", zietlow_config("beta_vae", "shapes3d", "mod", 32, 2), "");  // still training
  // Shapes3D has 6 factors: 3 active units is an over-pruned run (§5.3).
  write_run(root + "/runs/noise0", zietlow_config("beta_vae", "shapes3d", "noise", 32, 0),
            mig_metrics(0.9, 3));
  write_run(root + "/runs/noise1", zietlow_config("beta_vae", "shapes3d", "noise", 32, 1),
            mig_metrics(0.4, 6));
  write_run(root + "/runs/noise2", zietlow_config("beta_vae", "shapes3d", "noise", 32, 2), R"({"mig": 0.3,)");
  write_run(root + "/deeper/runs/pcl0", zietlow_config("pcl", "dsprites", "orig", 1, 0),
            mig_metrics(0.25, 1));
  write_run(root + "/runs/line_search", zietlow_config("beta_vae", "shapes3d", "orig", 8, 0),
            mig_metrics(0.99, 6));
  write_run(root + "/runs/other_paper",
            R"({"model": "beta_vae", "dataset": "xysquares", "beta": 1, "seed": 0})", mig_metrics(0.7, 6));
  write_run(root + "/runs/damaged", R"({"model": "beta_vae", "dataset")", mig_metrics(0.8, 6));
  return root;
}

// Splits a CSV text into rows of fields (RFC 4180 quoting).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '"' && i + 1 < text.size() && text[i + 1] == '"')
      rows.back().back() += '"', ++i;
    else if (c == '"')
      quoted = !quoted;
    else if (!quoted && c == ',')
      rows.back().emplace_back();
    else if (!quoted && c == '\n')
      rows.emplace_back(1);
    else
      rows.back().back() += c;
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

// Braces balance and $ (not escaped) comes in pairs, line by line; returns the first bad line or "".
std::string unbalanced_latex_line(const std::string& tex) {
  size_t start = 0;
  while (start < tex.size()) {
    const size_t end = tex.find('\n', start);
    const std::string line = tex.substr(start, end - start);
    int depth = 0, dollars = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\\') {
        ++i;
        continue;
      }  // an escaped character (\{ \$ \\) counts as text
      depth += line[i] == '{' ? 1 : line[i] == '}' ? -1 : 0;
      dollars += line[i] == '$';
      if (depth < 0) return line;
    }
    if (depth != 0 || dollars % 2) return line;
    start = end == std::string::npos ? tex.size() : end + 1;
  }
  return "";
}

}  // namespace

TEST_CASE(
    "Zietlow Table 1 from a partial sweep: the paper's rows and columns, our mean ± std and n, the paper's "
    "beside") {
  const std::vector<RunRecord> runs = read_results_folder(make_zietlow_folder());
  CHECK(runs.size() == 13);
  const PaperTable t = make_paper_table("zietlow1", runs);
  CHECK(t.rows ==
        std::vector<std::string>{"AE", "β-VAE", "FactorVAE", "β-TCVAE", "Slow-VAE", "PCL", "Weak sup. GAN"});
  CHECK(t.columns == std::vector<std::string>{"dSprites orig.", "dSprites mod.", "dSprites noise",
                                              "Shapes3D orig.", "Shapes3D mod.", "Shapes3D noise"});
  CHECK(t.expected_runs() == 3);
  // 0.1, 0.2, 0.6: mean 0.3, sample variance (0.04 + 0.01 + 0.09) / 2 = 0.07. The 0.25 × β run is not here.
  const TableCell& orig = t.cell("β-VAE", "Shapes3D orig.");
  CHECK(orig.values.size() == 3);
  CHECK(orig.ours().mean == doctest::Approx(0.3).epsilon(1e-9));
  CHECK(orig.ours().std == doctest::Approx(std::sqrt(0.07)).epsilon(1e-9));
  // Paper, Table 1 (ICML version): β-VAE on Shapes3D orig. 0.60 ± 0.31.
  CHECK(orig.paper.mean == doctest::Approx(0.60));
  CHECK(orig.paper.std == doctest::Approx(0.31));
  CHECK(t.cell("β-VAE", "Shapes3D mod.").runs == 3);  // one still training
  CHECK(t.cell("β-VAE", "Shapes3D noise").left_out == 1);
  CHECK(t.cell("PCL", "dSprites orig.").values ==
        std::vector<double>{0.25});  // not variational: never filtered

  const std::string md = table_markdown(t);
  CHECK(contains(md,
                 "| β-VAE | — (0/3) / 0.23 ± 0.08 | — (0/3) / 0.07 ± 0.09 | — (0/3) / 0.14 ± 0.07 | "
                 "0.300 ± 0.265 (3/3) / 0.60 ± 0.31 | 0.100 ± 0.071 (2/3) / 0.09 ± 0.14 | "
                 "0.400 (1/3), 1 over-pruned left out / 0.66 ± 0.05 |"));
  CHECK(contains(md, "| PCL | 0.250 (1/3) / 0.21 ± 0.03 |"));
  CHECK(contains(md, "| Weak sup. GAN | — (0/3) / 0.45 ± 0.05 |"));
  // Table 1's runs: 9 β-VAE and the PCL run (not the line-search run); unfinished: mod2 and the damaged
  // noise2.
  CHECK(contains(md, "10 found, 8 finished"));
  CHECK(contains(md, "1 run(s) with an unreadable config.json"));

  // Without the filter the over-pruned run counts: (0.9 + 0.4) / 2.
  const PaperTable every_run = make_paper_table("zietlow1", runs, false);
  CHECK(every_run.cell("β-VAE", "Shapes3D noise").ours().mean == doctest::Approx(0.65));
  // Tables 3-5 have no AE or GAN row in the paper; they appear only with runs.
  CHECK(make_paper_table("zietlow3", runs).rows ==
        std::vector<std::string>{"β-VAE", "FactorVAE", "β-TCVAE", "Slow-VAE", "PCL"});
  CHECK(make_paper_table("zietlow5", runs).cell("β-VAE", "Shapes3D orig.").values.size() == 3);
}

TEST_CASE("a paper table's LaTeX balances and its CSV parses, one line per cell") {
  const PaperTable t = make_paper_table("zietlow1", read_results_folder(make_zietlow_folder()));
  const std::string tex = table_latex(t);
  CHECK(unbalanced_latex_line(tex) == "");
  CHECK(contains(tex, "\\begin{tabular}{lcccccc}"));
  CHECK(contains(tex, "\\end{tabular}"));
  CHECK(contains(tex, "$\\beta$-VAE & --- (0/3) [$0.23 \\pm 0.08$]"));
  CHECK(contains(tex, "$0.300 \\pm 0.265$ (3/3) [$0.60 \\pm 0.31$]"));
  size_t body_rows = 0;
  for (size_t at = tex.find("\\\\\n"); at != std::string::npos; at = tex.find("\\\\\n", at + 1)) {
    const size_t line_start = tex.rfind('\n', at) + 1;
    const std::string line = tex.substr(line_start, at - line_start);
    CHECK(std::count(line.begin(), line.end(), '&') == long(t.columns.size()));  // labels escape theirs
    ++body_rows;
  }
  CHECK(body_rows == 1 + t.rows.size());  // the header and one per model

  const auto csv = parse_csv(table_csv(t));
  REQUIRE(csv.size() == 1 + t.rows.size() * t.columns.size());
  for (const auto& row : csv) CHECK(row.size() == 12);
  CHECK(csv[0][0] == "table");
  bool found = false;
  for (const auto& row : csv)
    if (row[1] == "β-VAE" && row[2] == "Shapes3D orig.") {
      found = true;
      CHECK(row[3] == "3");
      CHECK(std::stod(row[7]) == doctest::Approx(0.3));
      CHECK(std::stod(row[9]) == doctest::Approx(0.60));
      CHECK(row[11] == "0.1 0.2 0.6");
    }
  CHECK(found);
}

TEST_CASE("the line-search table puts each multiple of Table 2's value in its column, with a line plot") {
  const PaperTable t = make_paper_table("zietlow-line-search", read_results_folder(make_zietlow_folder()));
  CHECK(t.columns == std::vector<std::string>{"×0.25", "×1"});
  CHECK(t.sweep_values == std::vector<double>{-2.0, 0.0});
  CHECK(t.rows == std::vector<std::string>{"Shapes3D, β-VAE, orig.", "Shapes3D, β-VAE, mod."});
  CHECK(t.cell("Shapes3D, β-VAE, orig.", "×0.25").values == std::vector<double>{0.99});
  CHECK(t.cell("Shapes3D, β-VAE, orig.", "×1").values.size() == 3);
  const std::string svg = table_line_plot_svg(t);
  CHECK(contains(svg, "<svg"));
  CHECK(contains(svg, "Shapes3D, β-VAE, mod."));
  CHECK_THROWS_WITH_AS(make_paper_table("zietlow2", {}), doctest::Contains("zietlow1, zietlow3"),
                       std::exception);
}

TEST_CASE(
    "Michlo's box-blur table: the reference's settings as rows, MIG and DCI with and without the blur") {
  const std::string root = testing::scratch_path("michlo_results");
  std::filesystem::remove_all(root);
  auto config = [](const std::string& model, const std::string& loss, int eval_every, int seed) {
    return R"({"model": ")" + model + R"(", "dataset": "xysquares", "spacing": 8, "reconstruction": ")" +
           loss + R"(", "beta": 0.0001, "eval_every": )" + std::to_string(eval_every) + R"(, "seed": )" +
           std::to_string(seed) + "}";
  };
  write_run(root + "/b0", config("beta_vae", "mse", 0, 0), R"({"mig": 0.01, "dci.disentanglement": 0.05})");
  write_run(root + "/b1", config("beta_vae", "mse", 0, 1), R"({"mig": 0.03, "dci.disentanglement": 0.07})");
  write_run(root + "/x0", config("beta_vae", "mse_box", 0, 0), R"({"mig": 0.2, "dci.disentanglement": 0.3})");
  write_run(root + "/x1", config("beta_vae", "mse_box", 0, 1),
            R"({"mig": 0.4, "dci.disentanglement": null})");
  // With periodic evaluations the reported score is their maximum (as the paper's plots).
  write_run(
      root + "/a0", config("ada_gvae", "mse_box", 2400, 0),
      R"({"mig": 0.1, "max_during_training.mig": 0.5, "max_during_training.dci.disentanglement": 0.6})");
  write_run(root + "/ae0", config("ae", "mse", 0, 0), "");
  const PaperTable t = make_paper_table("michlo-blur", read_results_folder(root));
  CHECK(t.rows == std::vector<std::string>{"β-VAE β=0.0316", "β-VAE β=0.0001", "Ada-GVAE β=0.0316",
                                           "Ada-GVAE β=0.0001", "AE"});
  CHECK(t.columns == std::vector<std::string>{"MIG, MSE", "MIG, box blur", "DCI, MSE", "DCI, box blur"});
  CHECK(t.cell("β-VAE β=0.0001", "MIG, box blur").ours().mean == doctest::Approx(0.3));
  CHECK(t.cell("β-VAE β=0.0001", "MIG, box blur").ours().std == doctest::Approx(std::sqrt(0.02)));
  CHECK(t.cell("β-VAE β=0.0001", "DCI, box blur").ours().count == 1);  // null: an undefined score
  CHECK(t.cell("Ada-GVAE β=0.0001", "MIG, box blur").values == std::vector<double>{0.5});
  const std::string md = table_markdown(t);
  CHECK(contains(md,
                 "| β-VAE β=0.0001 | 0.020 ± 0.014 (2/2) | 0.300 ± 0.141 (2/2) | 0.060 ± 0.014 (2/2) | "
                 "0.300 (1/2) | box blur clearly higher than MSE"));
  CHECK(contains(md, "| AE | — (0/2) | — (0/2) | — (0/2) | — (0/2) | not in the figure"));
  CHECK(contains(md, "6 found, 5 finished"));
  CHECK(unbalanced_latex_line(table_latex(t)) == "");
  const auto csv = parse_csv(table_csv(t));
  CHECK(csv.size() == 1 + 5 * 4);
  for (const auto& row : csv) CHECK(row.size() == 12);
  const std::string strip = table_strip_plot_svg(t);
  CHECK(contains(strip, "β-VAE β=0.0001 · MIG, box blur"));
}

TEST_CASE(
    "untangle report --table writes the table's files, prints a format, and names the tables on a bad name") {
  const std::string root = make_zietlow_folder(), out = testing::scratch_path("zietlow_tables_out");
  const auto written = testing::run_program("untangle report " + root + " --table zietlow1 --out-dir " + out);
  INFO(written.output);
  CHECK(written.exit_code == 0);
  for (const char* file : {"zietlow1.md", "zietlow1.tex", "zietlow1.csv", "zietlow1_runs.svg"})
    CHECK(std::filesystem::exists(out + "/" + file));
  CHECK(contains(written.output, "0.300 ± 0.265 (3/3) / 0.60 ± 0.31"));
  const auto csv = testing::run_program("untangle report " + root + " --table zietlow1 --format csv");
  CHECK(csv.exit_code == 0);
  CHECK(csv.output.rfind("table,row,column,n,", 0) == 0);
  const auto bad = testing::run_program("untangle report " + root + " --table zietlow2");
  CHECK(bad.exit_code != 0);
  CHECK(contains(bad.output, "michlo-blur"));
  const auto bad_format = testing::run_program("untangle report " + root + " --table zietlow1 --format html");
  CHECK(bad_format.exit_code != 0);
  CHECK(contains(bad_format.output, "--format must be md, tex or csv"));
  CHECK(contains(testing::run_program("untangle report --help").output, "--table NAME"));
}

TEST_CASE("Michlo's spacing and datasets tables: a column per spacing (with its line plot), per dataset") {
  const std::string root = testing::scratch_path("michlo_sweeps");
  std::filesystem::remove_all(root);
  auto config = [](const std::string& model, const std::string& dataset, int spacing,
                   const std::string& loss) {
    return R"({"model": ")" + model + R"(", "dataset": ")" + dataset + R"(", "spacing": )" +
           std::to_string(spacing) + R"(, "reconstruction": ")" + loss + R"(", "eval_every": 0})";
  };
  write_run(root + "/s8", config("beta_vae", "xysquares", 8, "mse"), R"({"mig": 0.1})");
  write_run(root + "/s4a", config("beta_vae", "xysquares", 4, "mse"), R"({"mig": 0.3})");
  write_run(root + "/s4b", config("beta_vae", "xysquares", 4, "mse"), R"({"mig": 0.5})");
  write_run(root + "/box", config("beta_vae", "xysquares", 8, "mse_box"), R"({"mig": 0.9})");  // not MSE
  write_run(root + "/d", config("ada_gvae", "dsprites", 8, "mse"), R"({"mig": 0.6})");
  const std::vector<RunRecord> runs = read_results_folder(root);

  const PaperTable spacing = make_paper_table("michlo-spacing", runs);
  CHECK(spacing.columns.front() == "spacing 8");
  CHECK(spacing.sweep_values == std::vector<double>{8, 7, 6, 5, 4, 3, 2, 1});
  CHECK(spacing.cell("β-VAE", "spacing 8").values == std::vector<double>{0.1});
  CHECK(spacing.cell("β-VAE", "spacing 4").ours().mean == doctest::Approx(0.4));
  CHECK(contains(table_markdown(spacing), "| β-VAE | 0.100 (1/2) | — (0/2) |"));
  CHECK(contains(table_line_plot_svg(spacing), "spacing (px)"));

  const PaperTable datasets = make_paper_table("michlo-datasets", runs);
  CHECK(datasets.columns == std::vector<std::string>{"XYSquares", "dSprites", "Shapes3D"});
  CHECK(datasets.cell("β-VAE", "XYSquares").values == std::vector<double>{0.1});  // spacing 8 only, MSE only
  CHECK(datasets.cell("Ada-GVAE", "dSprites").values == std::vector<double>{0.6});
  CHECK(table_line_plot_svg(datasets).empty());  // no swept hyperparameter in its columns
}
