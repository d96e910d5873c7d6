// Scatter plots as SVG: a row of square panels, each its own axes fitted to its points (the panels of
// Zietlow et al. Fig. 1: the data and the encodings of PCA, a linear VAE and a nonlinear VAE).
#pragma once
#include <string>
#include <vector>

namespace untangle {

struct ScatterPoint {
  double x, y;
  std::string colour;  // e.g. "#4c72b0"
};

struct ScatterPanel {
  std::string title;
  std::vector<ScatterPoint> points;
  std::string x_label, y_label;
};

// Panels side by side; each axis range is its points' range (equal scales on x and y, so angles and
// shapes are drawn true), with a 5% margin.
std::string scatter_panels_svg(const std::vector<ScatterPanel>& panels, const std::string& title);
// Written atomically.
void write_scatter_panels(const std::string& path, const std::vector<ScatterPanel>& panels,
                          const std::string& title);

}  // namespace untangle
