// The renderings of a paper table (apps/common/paper_tables.h): Markdown, LaTeX, CSV and SVG plots.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "apps/common/paper_tables.h"
#include "apps/common/reproduction.h"
#include "apps/common/svg_plot.h"
#include "core/file_io.h"

namespace untangle {

namespace {

std::string printed(const char* pattern, double a, double b = 0) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), pattern, a, b);
  return buffer;
}

// "0.231 ± 0.081 (3/3)", "0.400 (1/3)" (one run has no spread to show), "— (0/10)"; filtered runs named
// after it.
std::string ours_text(const TableCell& cell, size_t expected) {
  const MeanStd ours = cell.ours();
  const std::string count = " (" + std::to_string(ours.count) + "/" + std::to_string(expected) + ")";
  std::string text = ours.count > 1    ? printed("%.3f ± %.3f", ours.mean, ours.std) + count
                     : ours.count == 1 ? printed("%.3f", ours.mean) + count
                                       : "—" + count;
  if (cell.left_out) text += ", " + std::to_string(cell.left_out) + " over-pruned left out";
  return text;
}

std::string paper_text(const MeanStd& paper) {
  return paper.count ? printed("%.2f ± %.2f", paper.mean, paper.std) : "—";
}

bool has_paper_results(const PaperTable& table) {
  for (const std::string& result : table.paper_results)
    if (!result.empty()) return true;
  return false;
}

// Text for a LaTeX table cell: the characters LaTeX treats specially, and the Greek letters and symbols
// our labels use, in LaTeX's own notation (so the table needs no Unicode input package).
std::string latex_text(const std::string& text) {
  const std::pair<const char*, const char*> replacements[] = {{"\\", "\\textbackslash{}"},
                                                              {"&", "\\&"},
                                                              {"%", "\\%"},
                                                              {"#", "\\#"},
                                                              {"_", "\\_"},
                                                              {"$", "\\$"},
                                                              {"{", "\\{"},
                                                              {"}", "\\}"},
                                                              {"β", "$\\beta$"},
                                                              {"γ", "$\\gamma$"},
                                                              {"±", "$\\pm$"},
                                                              {"×", "$\\times$"},
                                                              {"—", "---"},
                                                              {"−", "$-$"},
                                                              {"\"", "''"}};
  std::string out;
  for (size_t i = 0; i < text.size();) {
    bool replaced = false;
    for (const auto& [from, to] : replacements) {
      const size_t length = std::char_traits<char>::length(from);
      if (text.compare(i, length, from) == 0) {
        out += to, i += length, replaced = true;
        break;
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_number(double value) {
  return std::isfinite(value) ? printed("%.10g", value) : "";
}

const char* kColours[] = {"#4c72b0", "#dd8452", "#55a868", "#c44e52",
                          "#8172b3", "#937860", "#da8bc3", "#8c8c8c"};

}  // namespace

std::string table_markdown(const PaperTable& table) {
  const bool paper = table.has_paper_numbers(), results = has_paper_results(table);
  std::vector<std::string> header = {table.row_header};
  for (const std::string& column : table.columns)
    header.push_back(paper ? column + " (ours / paper)" : column);
  if (results) header.push_back("paper");
  std::vector<std::vector<std::string>> rows;
  const size_t expected = table.expected_runs();
  for (size_t r = 0; r < table.rows.size(); ++r) {
    std::vector<std::string> row = {table.rows[r]};
    for (const TableCell& cell : table.cells[r])
      row.push_back(ours_text(cell, expected) + (paper ? " / " + paper_text(cell.paper) : ""));
    if (results) row.push_back(table.paper_results[r]);
    rows.push_back(row);
  }
  return "## " + table.title + "\n\n" + table.notes + "\n\n" + markdown_table(header, rows);
}

std::string table_latex(const PaperTable& table) {
  const bool paper = table.has_paper_numbers();
  const size_t expected = table.expected_runs();
  std::string tex = "% " + table.title + " (untangle report --table " + table.name + ")\n";
  tex +=
      "% cells: ours as mean $\\pm$ std (n/N)" + std::string(paper ? ", the paper's in brackets" : "") + "\n";
  tex += "\\begin{tabular}{l" + std::string(table.columns.size(), 'c') + "}\n\\hline\n" +
         latex_text(table.row_header);
  for (const std::string& column : table.columns) tex += " & " + latex_text(column);
  tex += " \\\\\n\\hline\n";
  for (size_t r = 0; r < table.rows.size(); ++r) {
    tex += latex_text(table.rows[r]);
    for (const TableCell& cell : table.cells[r]) {
      const MeanStd ours = cell.ours();
      tex += " & " + (ours.count ? printed("$%.3f \\pm %.3f$", ours.mean, ours.std) : std::string("---"));
      tex += " (" + std::to_string(ours.count) + "/" + std::to_string(expected) + ")";
      if (cell.paper.count) tex += printed(" [$%.2f \\pm %.2f$]", cell.paper.mean, cell.paper.std);
    }
    tex += " \\\\\n";
  }
  return tex + "\\hline\n\\end{tabular}\n";
}

std::string table_csv(const PaperTable& table) {
  std::string csv = "table,row,column,n,expected,runs,left_out,mean,std,paper_mean,paper_std,values\n";
  const size_t expected = table.expected_runs();
  for (size_t r = 0; r < table.rows.size(); ++r)
    for (size_t c = 0; c < table.columns.size(); ++c) {
      const TableCell& cell = table.cells[r][c];
      const MeanStd ours = cell.ours();
      std::string values;
      for (double v : cell.values) values += (values.empty() ? "" : " ") + csv_number(v);
      csv += table.name + "," + csv_field(table.rows[r]) + "," + csv_field(table.columns[c]) + "," +
             std::to_string(ours.count) + "," + std::to_string(expected) + "," + std::to_string(cell.runs) +
             "," + std::to_string(cell.left_out) + "," + csv_number(ours.mean) + "," + csv_number(ours.std) +
             "," + (cell.paper.count ? csv_number(cell.paper.mean) + "," + csv_number(cell.paper.std) : ",") +
             "," + values + "\n";
    }
  return csv;
}

std::string table_strip_plot_svg(const PaperTable& table) {
  std::vector<StripGroup> groups;
  for (size_t r = 0; r < table.rows.size(); ++r)
    for (size_t c = 0; c < table.columns.size(); ++c)
      if (table.cells[r][c].runs)
        groups.push_back(
            {table.rows[r] + " · " + table.columns[c], table.cells[r][c].values, kColours[c % 8]});
  return strip_plot_svg(groups,
                        {table.title + " — every run (colour: column)", "", table.metric, 0.0, 1.0, true});
}

std::string table_line_plot_svg(const PaperTable& table) {
  if (table.sweep_values.empty()) return "";
  std::vector<LineSeries> series;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    LineSeries line{table.rows[r], {}, {}, {}, kColours[r % 8]};
    for (size_t c = 0; c < table.columns.size(); ++c) {
      const MeanStd ours = table.cells[r][c].ours();
      if (ours.count == 0) continue;
      line.x.push_back(table.sweep_values[c]);
      line.mean.push_back(ours.mean);
      line.std.push_back(ours.std);
    }
    if (!line.x.empty()) series.push_back(line);
  }
  return line_plot_svg(series, {table.title, table.sweep_label, table.metric, 0.0, 1.0, true});
}

std::vector<std::string> write_paper_table(const PaperTable& table, const std::string& directory) {
  std::filesystem::create_directories(directory);
  const std::string base = directory + "/" + table.name;
  std::vector<std::string> written = {base + ".md", base + ".tex", base + ".csv", base + "_runs.svg"};
  write_file_atomically(written[0], table_markdown(table));
  write_file_atomically(written[1], table_latex(table));
  write_file_atomically(written[2], table_csv(table));
  write_file_atomically(written[3], table_strip_plot_svg(table));
  if (!table.sweep_values.empty()) {
    written.push_back(base + "_sweep.svg");
    write_file_atomically(written.back(), table_line_plot_svg(table));
  }
  return written;
}

}  // namespace untangle
