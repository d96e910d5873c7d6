// The papers' results tables, made from any results folder (apps/common/results_folder.h): each run is
// placed in its table cell by what its config.json says (model, dataset, data variant, hyperparameters),
// so the tables work on a partial sweep, on a sweep run elsewhere (a cluster's copied folders) and on the
// reproduction apps' own out/ folders alike. A cell holds our scores over seeds (mean ± std, n) beside the
// paper's number where the paper gives one (apps/common/zietlow.h paper_number); a cell without finished
// runs is shown as missing, never left out.
//
// The tables (paper_table_names()):
//   zietlow1, zietlow3, zietlow4, zietlow5  Zietlow et al. 2021 Tables 1, 3, 4, 5: MIG, DCI
//       disentanglement, FactorVAE score, SAP; rows = models, columns = dSprites / Shapes3D × orig. / mod.
//       / noise; runs at Table 2's hyperparameter only, over-pruned variational runs left out (§5.3).
//       (Table 2 is the hyperparameters themselves, apps/common/zietlow.h table2_value.)
//   zietlow-line-search  Zietlow et al. Fig. 5: MIG against multiples of Table 2's value.
//   michlo-blur     Michlo et al. Fig. 11: MIG and DCI with MSE and with MSE + box blur on XYSquares.
//   michlo-spacing  Michlo et al. Fig. 9: MIG against the XYSquares spacing.
//   michlo-datasets Michlo et al. Fig. 6: MIG over the β sweep on XYSquares, dSprites and Shapes3D.
#pragma once
#include <string>
#include <vector>

#include "apps/common/results_folder.h"
#include "apps/common/summary.h"

namespace untangle {

// The runs placed in one cell of a table.
struct TableCell {
  std::vector<double> values;  // the scores that count (finished runs kept by the table's filter)
  size_t runs = 0;             // run directories placed here, finished or not
  size_t left_out = 0;         // finished runs the table's filter left out (Zietlow's over-pruning)
  MeanStd paper;               // the paper's mean ± std; count = 0 where the paper has no number
  MeanStd ours() const { return mean_and_std(values); }
};

struct PaperTable {
  std::string name, title;
  std::string notes;       // how the cells were made, as a Markdown paragraph
  std::string row_header;  // what the rows are ("model", "setting")
  std::string metric;      // what the cells hold ("MIG"), the plots' y axis
  std::vector<std::string> rows, columns;
  std::vector<std::vector<TableCell>> cells;  // [row][column]
  std::vector<std::string> paper_results;     // per row, the paper's result in words (all "" when none)
  // When the columns sweep a hyperparameter: its value per column and its name (the line plot's x axis).
  std::vector<double> sweep_values;
  std::string sweep_label;

  // The most runs placed in any cell: the sweep's seeds per cell, shown as n / N beside each cell.
  size_t expected_runs() const;
  bool has_paper_numbers() const;
  const TableCell& cell(const std::string& row, const std::string& column) const;  // throws when absent
};

const std::vector<std::string>& paper_table_names();

// The table `name` from the runs of a results folder; throws an error listing the names on an unknown one.
// `over_pruning_filter` = false counts every finished run (Zietlow tables only; the paper's tables filter).
PaperTable make_paper_table(const std::string& name, const std::vector<RunRecord>& runs,
                            bool over_pruning_filter = true);

// The renderings (apps/common/table_formats.cpp).
std::string table_markdown(const PaperTable& table);
std::string table_latex(const PaperTable& table);  // a tabular environment, with a comment naming the table
std::string table_csv(const PaperTable& table);    // one line per cell
std::string table_strip_plot_svg(const PaperTable& table);  // every cell's runs, one column of points each
std::string table_line_plot_svg(
    const PaperTable& table);  // per row, mean ± std against the sweep; "" without one

// Writes DIRECTORY/<name>.md, .tex, .csv, <name>_runs.svg and, for a sweep, <name>_sweep.svg; returns
// the paths written.
std::vector<std::string> write_paper_table(const PaperTable& table, const std::string& directory);

}  // namespace untangle
