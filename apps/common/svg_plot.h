// Small SVG plot writers for the reproduction reports: hand-written SVG (a text format a browser or
// GitHub shows directly), so no plotting library is needed.
//   strip plot   one column of points per group (every repeat visible) with the mean ± std as a bar —
//                the paper's violins (Michlo et al. Fig. 6, 11) drawn so that few repeats stay honest
//   line plot    y against x per series, mean ± std error bars (Fig. 9: MIG / DCI against spacing)
//   curve plot   one long series (a training curve), five ticks on each axis
#pragma once
#include <string>
#include <vector>

namespace untangle {

struct StripGroup {
  std::string label;           // under the column
  std::vector<double> values;  // one point each (non-finite values are skipped)
  std::string colour = "#4c72b0";
};

struct LineSeries {
  std::string name;  // in the legend
  std::vector<double> x, mean, std;
  std::string colour = "#4c72b0";
};

struct PlotLabels {
  std::string title, x_label, y_label;
  double y_min = 0.0, y_max = 1.0;  // the metrics the plots show live in [0, 1]
  // Shrink y_max to the first of 0.05, 0.1, 0.2, 0.5, 1 that holds every point and mean + std, so that
  // small scores (short runs) are not flattened against the axis; the tick labels give the scale.
  bool fit_y_max = false;
};

// The SVG text (also what the writers save).
std::string strip_plot_svg(const std::vector<StripGroup>& groups, const PlotLabels& labels);
std::string line_plot_svg(const std::vector<LineSeries>& series, const PlotLabels& labels);
// y against x as one polyline; the y range is labels.y_min .. y_max (values outside are clamped).
std::string curve_plot_svg(const std::vector<double>& x, const std::vector<double>& y,
                           const PlotLabels& labels);

// Write atomically (temporary file, then rename).
void write_strip_plot(const std::string& path, const std::vector<StripGroup>& groups,
                      const PlotLabels& labels);
void write_line_plot(const std::string& path, const std::vector<LineSeries>& series,
                     const PlotLabels& labels);

// Escapes & < > " for SVG text.
std::string svg_escape(const std::string& text);

}  // namespace untangle
