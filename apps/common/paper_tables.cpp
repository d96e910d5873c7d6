// The table definitions: which runs go in which cell of each paper's table. The renderings are in
// apps/common/table_formats.cpp.
#include "apps/common/paper_tables.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "apps/common/reproduction.h"
#include "apps/common/zietlow.h"
#include "core/check.h"
#include "data/registry.h"

namespace untangle {

namespace {

// Where one run goes: a row and a column of the table, the metrics.json key that is its score there, and
// whether the table's filter leaves it out. A run may go to several cells (MIG and DCI columns).
struct Placement {
  std::string row, column, metric;
  bool left_out = false;
};
using Placer = std::function<std::vector<Placement>(const RunRecord&)>;

bool same_value(double a, double b) {
  return std::fabs(a - b) <= 1e-6 * std::max(std::fabs(a), std::fabs(b));
}

// Empty cells for the table's rows × columns, then every run where the placer puts it; finished with a
// note on how many runs were found, finished and missing, and the step counts they were trained for.
void place_runs(PaperTable& table, const std::vector<RunRecord>& runs, const Placer& placer) {
  table.cells.assign(table.rows.size(), std::vector<TableCell>(table.columns.size()));
  if (table.paper_results.size() != table.rows.size()) table.paper_results.resize(table.rows.size());
  size_t placed = 0, finished = 0, unreadable = 0;
  std::set<std::string> steps;
  for (const RunRecord& run : runs) {
    if (run.config.empty()) ++unreadable;  // settings unknown: no table can place it
    bool counted = false;
    for (const Placement& p : placer(run)) {
      auto row = std::find(table.rows.begin(), table.rows.end(), p.row);
      auto column = std::find(table.columns.begin(), table.columns.end(), p.column);
      if (row == table.rows.end() || column == table.columns.end()) continue;
      TableCell& cell = table.cells[size_t(row - table.rows.begin())][size_t(column - table.columns.begin())];
      ++cell.runs;
      if (!counted)
        counted = true, ++placed, finished += run.finished ? 1 : 0, steps.insert(run.setting("steps", "?"));
      if (!run.finished) continue;
      if (p.left_out)
        ++cell.left_out;
      else
        cell.values.push_back(run.metric(p.metric));
    }
  }
  std::string step_list;
  for (const std::string& s : steps) step_list += (step_list.empty() ? "" : ", ") + s;
  table.notes += " Runs in this table: " + std::to_string(placed) + " found, " + std::to_string(finished) +
                 " finished (metrics.json), " + std::to_string(placed - finished) +
                 " missing (still training, diverged or unreadable); steps per run: " +
                 (step_list.empty() ? "—" : step_list) + ".";
  if (unreadable) table.notes += " " + std::to_string(unreadable) + " run(s) with an unreadable config.json.";
  table.notes += " Cells: mean ± std over seeds (n / N: runs with a score / the most runs of any cell).";
}

// ---- Zietlow et al. 2021 --------------------------------------------------------------------------

std::string dataset_label(const std::string& dataset) {
  return dataset == "dsprites" ? "dSprites" : dataset == "shapes3d" ? "Shapes3D" : dataset;
}

size_t factor_count(const std::string& dataset) {
  static std::map<std::string, size_t> counts;
  if (!counts.count(dataset)) counts[dataset] = make_dataset(dataset)->num_factors();
  return counts[dataset];
}

// A Zietlow run: its model (one of Table 1's), dataset, variant and the multiple of Table 2's value it
// was trained at (1 for models without a primary hyperparameter). False for any other run.
struct ZietlowCell {
  const ZietlowModel* model;
  std::string dataset;
  DataVariant variant;
  double scale;
};

bool zietlow_cell_of(const RunRecord& run, ZietlowCell& out) {
  const std::string name = run.setting("model"), dataset = run.setting("dataset");
  if (dataset != "dsprites" && dataset != "shapes3d") return false;
  out = {nullptr, dataset, DataVariant::Original, 1.0};
  for (const ZietlowModel& m : zietlow_models())
    if (m.name == name) out.model = &m;
  if (!out.model) return false;
  const double primary = table2_value(name, dataset);
  if (!out.model->primary_setting.empty() && std::isfinite(primary))
    out.scale = run.number(out.model->primary_setting) / primary;
  // The variant as zietlow_run_flags sets it: --manipulation FILE (mod.), --noise eps (noise).
  if (!run.setting("manipulation").empty())
    out.variant = DataVariant::Modified;
  else if (run.number("noise") > 0)
    out.variant = DataVariant::Noise;
  return std::isfinite(out.scale);
}

bool zietlow_over_pruned(const RunRecord& run, const ZietlowCell& cell) {
  SweepOutcome outcome;
  outcome.metrics = run.metrics;
  return over_pruned(outcome, cell.model->name, factor_count(cell.dataset));
}

const char* kOverPruningNote =
    " Over-pruning filter (§5.3): variational runs with fewer active units (mean posterior variance < 0.8) "
    "than "
    "the data has factors are left out and counted.";

PaperTable zietlow_table(const std::string& name, const ZietlowMetric& metric, bool filter,
                         const std::vector<RunRecord>& runs) {
  PaperTable t;
  t.name = name;
  t.title = "Zietlow et al. " + metric.table;
  t.row_header = "model";
  t.metric = metric.table.substr(metric.table.find(':') + 2);
  t.notes = "Runs at Table 2's hyperparameter; each cell ours, then the paper's mean ± std over 10 seeds.";
  if (filter) t.notes += kOverPruningNote;
  for (const std::string dataset : {"dsprites", "shapes3d"})
    for (DataVariant v : data_variants())
      t.columns.push_back(dataset_label(dataset) + " " + variant_label(v));
  // The paper's rows; Tables 3-5 have no AE or GAN row, so those appear there only when runs exist.
  std::vector<ZietlowCell> placed_cells(runs.size());
  std::vector<bool> is_zietlow(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) is_zietlow[i] = zietlow_cell_of(runs[i], placed_cells[i]);
  for (const ZietlowModel& m : zietlow_models()) {
    bool has_runs = false;
    for (size_t i = 0; i < runs.size(); ++i) has_runs |= is_zietlow[i] && placed_cells[i].model == &m;
    if (has_runs || paper_number(metric.key, m.name, "dsprites", DataVariant::Original).count)
      t.rows.push_back(m.label);
  }
  place_runs(t, runs, [&](const RunRecord& run) -> std::vector<Placement> {
    ZietlowCell c;
    if (!zietlow_cell_of(run, c) || !same_value(c.scale, 1.0)) return {};  // line-search runs go elsewhere
    const bool left_out = filter && run.finished && zietlow_over_pruned(run, c);
    return {
        {c.model->label, dataset_label(c.dataset) + " " + variant_label(c.variant), metric.key, left_out}};
  });
  for (size_t r = 0; r < t.rows.size(); ++r)
    for (const ZietlowModel& m : zietlow_models())
      if (m.label == t.rows[r])
        for (size_t c = 0; c < t.columns.size(); ++c)
          t.cells[r][c].paper =
              paper_number(metric.key, m.name, c < 3 ? "dsprites" : "shapes3d", data_variants()[c % 3]);
  return t;
}

// Fig. 5: rows = dataset × model × variant (orig., mod.), columns = the multiples of Table 2's value found.
PaperTable zietlow_line_search_table(bool filter, const std::vector<RunRecord>& runs) {
  PaperTable t;
  t.name = "zietlow-line-search";
  t.title = "Zietlow et al. Fig. 5: MIG against multiples of Table 2's primary hyperparameter";
  t.row_header = "dataset, model, data";
  t.metric = "MIG";
  t.sweep_label = "log2(multiple of Table 2's value)";
  t.notes = "Paper (Fig. 5, Shapes3D): mod. stays below orig. over the whole range.";
  if (filter) t.notes += kOverPruningNote;
  std::set<double> scales;
  for (const RunRecord& run : runs) {
    ZietlowCell c;
    if (zietlow_cell_of(run, c) && !c.model->primary_setting.empty() && c.variant != DataVariant::Noise)
      scales.insert(c.scale);
  }
  for (double scale : scales)
    t.columns.push_back("×" + short_number(scale)), t.sweep_values.push_back(std::log2(scale));
  auto row_of = [](const ZietlowCell& c) {
    return dataset_label(c.dataset) + ", " + c.model->label + ", " + variant_label(c.variant);
  };
  for (const std::string dataset : {"dsprites", "shapes3d"})
    for (const ZietlowModel& m : zietlow_models())
      for (DataVariant v : {DataVariant::Original, DataVariant::Modified})
        for (const RunRecord& run : runs) {
          ZietlowCell c;
          if (zietlow_cell_of(run, c) && c.model == &m && c.dataset == dataset && c.variant == v &&
              !m.primary_setting.empty() &&
              std::find(t.rows.begin(), t.rows.end(), row_of(c)) == t.rows.end())
            t.rows.push_back(row_of(c));
        }
  place_runs(t, runs, [&](const RunRecord& run) -> std::vector<Placement> {
    ZietlowCell c;
    if (!zietlow_cell_of(run, c) || c.model->primary_setting.empty()) return {};
    const bool left_out = filter && run.finished && zietlow_over_pruned(run, c);
    for (size_t k = 0; k < t.columns.size(); ++k)
      if (same_value(std::log2(c.scale), t.sweep_values[k]))
        return {{row_of(c), t.columns[k], "mig", left_out}};
    return {};
  });
  return t;
}

// ---- Michlo et al. --------------------------------------------------------------------------------

std::string michlo_model_label(const std::string& model) {
  return model == "beta_vae" ? "β-VAE" : model == "ada_gvae" ? "Ada-GVAE" : model == "ae" ? "AE" : model;
}

// The score a Michlo profile reports: the maximum of the periodic evaluations when the run had them (as
// the paper's plots, apps/common/sweep.h reported_metric_key), else the final value.
std::string michlo_metric_key(const RunRecord& run, const std::string& metric) {
  return run.number("eval_every") > 0 ? "max_during_training." + metric : metric;
}

// Fig. 11: rows = model (and β), columns = MIG / DCI × MSE / box blur; XYSquares at spacing 8.
PaperTable michlo_blur_table(const std::vector<RunRecord>& runs) {
  PaperTable t;
  t.name = "michlo-blur";
  t.title = "Michlo et al. Fig. 11: MSE vs MSE + box blur (mse_box) on XYSquares, spacing 8";
  t.row_header = "setting";
  t.metric = "score";
  t.columns = {"MIG, MSE", "MIG, box blur", "DCI, MSE", "DCI, box blur"};
  t.notes =
      "Scores: the maximum of the periodic evaluations where the runs had them (the paper's plots), else "
      "the final one. The paper gives no numbers here, only the figure; its result is in the last column.";
  auto row_of = [](const RunRecord& run) {
    const std::string model = run.setting("model");
    return michlo_model_label(model) + (model == "ae" ? "" : " β=" + short_number(run.number("beta")));
  };
  auto is_blur_run = [](const RunRecord& run) {
    const std::string model = run.setting("model"), loss = run.setting("reconstruction");
    return run.setting("dataset") == "xysquares" && run.number("spacing") == 8 &&
           (loss == "mse" || loss == "mse_box") &&
           (model == "beta_vae" || model == "ada_gvae" || model == "ae");
  };
  // The reference's settings first (disent's e03 experiment: β 0.0316 and 0.0001, and the AE), then any other
  // β.
  for (const char* model : {"beta_vae", "ada_gvae"})
    for (double beta : {0.0316, 0.0001})
      t.rows.push_back(michlo_model_label(model) + " β=" + short_number(beta));
  t.rows.push_back("AE");
  for (const RunRecord& run : runs)
    if (is_blur_run(run) && std::find(t.rows.begin(), t.rows.end(), row_of(run)) == t.rows.end())
      t.rows.push_back(row_of(run));
  for (const std::string& row : t.rows)
    t.paper_results.push_back(row == "AE" ? "not in the figure (trained in the reference's sweep)"
                                          : "box blur clearly higher than MSE (\"significantly improves\")");
  place_runs(t, runs, [&](const RunRecord& run) -> std::vector<Placement> {
    if (!is_blur_run(run)) return {};
    const std::string loss = run.setting("reconstruction") == "mse" ? "MSE" : "box blur";
    return {{row_of(run), "MIG, " + loss, michlo_metric_key(run, "mig")},
            {row_of(run), "DCI, " + loss, michlo_metric_key(run, "dci.disentanglement")}};
  });
  return t;
}

// Fig. 9: rows = model, columns = XYSquares spacing 8 .. 1.
PaperTable michlo_spacing_table(const std::vector<RunRecord>& runs) {
  PaperTable t;
  t.name = "michlo-spacing";
  t.title = "Michlo et al. Fig. 9: MIG against the XYSquares spacing";
  t.row_header = "model";
  t.metric = "MIG";
  t.sweep_label = "spacing (px)";
  t.notes = "MSE runs on XYSquares; the score as in michlo-blur.";
  t.rows = {"β-VAE", "Ada-GVAE"};
  t.paper_results = {"lowest at spacing 8 (no overlap), rising as the spacing shrinks",
                     "lowest at spacing 8 (no overlap), rising as the spacing shrinks"};
  for (int spacing = 8; spacing >= 1; --spacing)
    t.columns.push_back("spacing " + std::to_string(spacing)), t.sweep_values.push_back(spacing);
  place_runs(t, runs, [&](const RunRecord& run) -> std::vector<Placement> {
    if (run.setting("dataset") != "xysquares" || run.setting("reconstruction") != "mse") return {};
    return {{michlo_model_label(run.setting("model")), "spacing " + run.setting("spacing"),
             michlo_metric_key(run, "mig")}};
  });
  return t;
}

// Fig. 6: rows = model, columns = dataset; every run of the β (and z) sweep in its dataset's cell.
PaperTable michlo_datasets_table(const std::vector<RunRecord>& runs) {
  PaperTable t;
  t.name = "michlo-datasets";
  t.title = "Michlo et al. Fig. 6: MIG over the β sweep, XYSquares against the standard datasets";
  t.row_header = "model";
  t.metric = "MIG";
  t.notes = "MSE runs at any β and latent size (XYSquares at spacing 8); the score as in michlo-blur.";
  t.rows = {"β-VAE", "Ada-GVAE"};
  t.columns = {"XYSquares", "dSprites", "Shapes3D"};
  t.paper_results = {"XYSquares far lower than dSprites and Shapes3D",
                     "XYSquares far lower, even for Ada-GVAE"};
  place_runs(t, runs, [&](const RunRecord& run) -> std::vector<Placement> {
    const std::string dataset = run.setting("dataset");
    if (run.setting("reconstruction") != "mse" || (dataset == "xysquares" && run.number("spacing") != 8))
      return {};
    const std::string column = dataset == "xysquares" ? "XYSquares" : dataset_label(dataset);
    return {{michlo_model_label(run.setting("model")), column, michlo_metric_key(run, "mig")}};
  });
  return t;
}

}  // namespace

size_t PaperTable::expected_runs() const {
  size_t most = 0;
  for (const auto& row : cells)
    for (const TableCell& cell : row) most = std::max(most, cell.runs);
  return most;
}

bool PaperTable::has_paper_numbers() const {
  for (const auto& row : cells)
    for (const TableCell& cell : row)
      if (cell.paper.count) return true;
  return false;
}

const TableCell& PaperTable::cell(const std::string& row, const std::string& column) const {
  auto r = std::find(rows.begin(), rows.end(), row);
  auto c = std::find(columns.begin(), columns.end(), column);
  require(r != rows.end() && c != columns.end(), name, ": no cell (", row, ", ", column, ")");
  return cells[size_t(r - rows.begin())][size_t(c - columns.begin())];
}

const std::vector<std::string>& paper_table_names() {
  static const std::vector<std::string> names = {
      "zietlow1",    "zietlow3",       "zietlow4",       "zietlow5", "zietlow-line-search",
      "michlo-blur", "michlo-spacing", "michlo-datasets"};
  return names;
}

PaperTable make_paper_table(const std::string& name, const std::vector<RunRecord>& runs,
                            bool over_pruning_filter) {
  const std::vector<ZietlowMetric>& metrics = zietlow_metrics();  // Tables 1, 3, 4, 5 in this order
  const std::map<std::string, size_t> zietlow = {
      {"zietlow1", 0}, {"zietlow3", 1}, {"zietlow4", 2}, {"zietlow5", 3}};
  if (zietlow.count(name)) return zietlow_table(name, metrics[zietlow.at(name)], over_pruning_filter, runs);
  if (name == "zietlow-line-search") return zietlow_line_search_table(over_pruning_filter, runs);
  if (name == "michlo-blur") return michlo_blur_table(runs);
  if (name == "michlo-spacing") return michlo_spacing_table(runs);
  if (name == "michlo-datasets") return michlo_datasets_table(runs);
  std::string known;
  for (const std::string& n : paper_table_names()) known += (known.empty() ? "" : ", ") + n;
  fail("--table: unknown table '", name, "' (the tables: ", known, ")");
}

}  // namespace untangle
