#include "apps/common/svg_scatter.h"

#include <algorithm>
#include <cstdio>

#include "apps/common/svg_plot.h"
#include "core/file_io.h"

namespace untangle {

namespace {

constexpr double kPanel = 300, kGap = 40, kTop = 60, kBottom = 40, kSide = 30;

std::string text_at(double x, double y, const std::string& text, const char* extra = "") {
  char buffer[160];
  std::snprintf(buffer, sizeof(buffer), R"(<text x="%.1f" y="%.1f" text-anchor="middle" %s>)", x, y, extra);
  return buffer + svg_escape(text) + "</text>\n";
}

// One panel with its top-left corner at (left, kTop).
std::string panel_svg(const ScatterPanel& panel, double left) {
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  if (!panel.points.empty()) {
    x_min = x_max = panel.points[0].x;
    y_min = y_max = panel.points[0].y;
    for (const ScatterPoint& p : panel.points) {
      x_min = std::min(x_min, p.x), x_max = std::max(x_max, p.x);
      y_min = std::min(y_min, p.y), y_max = std::max(y_max, p.y);
    }
  }
  // Equal scales: the larger range sets both, centred on each axis's middle.
  const double half = 0.525 * std::max({x_max - x_min, y_max - y_min, 1e-9});
  const double x_mid = 0.5 * (x_min + x_max), y_mid = 0.5 * (y_min + y_max);
  auto px = [&](double x) { return left + kPanel * (x - (x_mid - half)) / (2 * half); };
  auto py = [&](double y) { return kTop + kPanel * (1.0 - (y - (y_mid - half)) / (2 * half)); };
  char buffer[200];
  std::snprintf(buffer, sizeof(buffer),
                R"(<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="black"/>)"
                "\n",
                left, kTop, kPanel, kPanel);
  std::string s = buffer;
  for (const ScatterPoint& p : panel.points) {
    std::snprintf(buffer, sizeof(buffer),
                  R"(<circle cx="%.1f" cy="%.1f" r="1.6" fill="%s"/>)"
                  "\n",
                  px(p.x), py(p.y), p.colour.c_str());
    s += buffer;
  }
  s += text_at(left + kPanel / 2, kTop - 10, panel.title, R"(font-size="13")");
  s += text_at(left + kPanel / 2, kTop + kPanel + 20, panel.x_label);
  std::snprintf(buffer, sizeof(buffer), R"svg(transform="rotate(-90 %.1f %.1f)")svg", left - 12,
                kTop + kPanel / 2);
  s += text_at(left - 12, kTop + kPanel / 2, panel.y_label, buffer);
  return s;
}

}  // namespace

std::string scatter_panels_svg(const std::vector<ScatterPanel>& panels, const std::string& title) {
  const double width =
      2 * kSide + double(panels.size()) * kPanel + double(std::max<size_t>(panels.size(), 1) - 1) * kGap;
  const double height = kTop + kPanel + kBottom;
  char buffer[240];
  std::snprintf(
      buffer, sizeof(buffer),
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">)"
      "\n"
      R"(<rect width="%.0f" height="%.0f" fill="white"/>)"
      "\n",
      width, height, width, height);
  std::string s = buffer;
  s += text_at(width / 2, 22, title, R"(font-size="15")");
  for (size_t i = 0; i < panels.size(); ++i) s += panel_svg(panels[i], kSide + double(i) * (kPanel + kGap));
  return s + "</svg>\n";
}

void write_scatter_panels(const std::string& path, const std::vector<ScatterPanel>& panels,
                          const std::string& title) {
  write_file_atomically(path, scatter_panels_svg(panels, title));
}

}  // namespace untangle
