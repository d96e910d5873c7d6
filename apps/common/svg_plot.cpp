#include "apps/common/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "apps/common/summary.h"
#include "core/file_io.h"

namespace untangle {

namespace {

// Plot area inside a fixed canvas; everything else (axes, labels) sits in the margins.
constexpr double kLeft = 70, kRight = 20, kTop = 40, kBottom = 90, kHeight = 420;

std::string format(const char* pattern, double a, double b = 0, double c = 0, double d = 0) {
  char buffer[256];
  std::snprintf(buffer, sizeof(buffer), pattern, a, b, c, d);
  return buffer;
}

struct Frame {
  double width, plot_width, plot_height;
  PlotLabels labels;
  double y_to_pixel(double y) const {
    const double t =
        (std::clamp(y, labels.y_min, labels.y_max) - labels.y_min) / (labels.y_max - labels.y_min);
    return kTop + plot_height * (1.0 - t);
  }
};

// The header, title, y axis with five ticks and grid lines, and the axis labels.
std::string frame_svg(const Frame& f) {
  std::string s = format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" )"
                         R"(font-family="sans-serif" font-size="12">)"
                         "\n",
                         f.width, kHeight);
  s += format(R"(<rect width="%.0f" height="%.0f" fill="white"/>)"
              "\n",
              f.width, kHeight);
  s += format(R"(<text x="%.1f" y="22" text-anchor="middle" font-size="15">)", f.width / 2) +
       svg_escape(f.labels.title) + "</text>\n";
  for (int tick = 0; tick <= 4; ++tick) {
    const double value = f.labels.y_min + (f.labels.y_max - f.labels.y_min) * tick / 4.0,
                 y = f.y_to_pixel(value);
    s += format(R"(<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#dddddd"/>)"
                "\n",
                kLeft, y, kLeft + f.plot_width, y);
    s += format(R"(<text x="%.1f" y="%.1f" text-anchor="end">%.3g</text>)"
                "\n",
                kLeft - 6, y + 4, value);
  }
  s += format(R"(<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="black"/>)"
              "\n",
              kLeft, kTop, f.plot_width, f.plot_height);
  s += format(R"svg(<text x="16" y="%.1f" text-anchor="middle" transform="rotate(-90 16 %.1f)">)svg",
              kTop + f.plot_height / 2, kTop + f.plot_height / 2) +
       svg_escape(f.labels.y_label) + "</text>\n";
  s += format(R"(<text x="%.1f" y="%.1f" text-anchor="middle">)", kLeft + f.plot_width / 2, kHeight - 12) +
       svg_escape(f.labels.x_label) + "</text>\n";
  return s;
}

// A vertical mean ± std bar with caps and a mean tick at x.
std::string error_bar_svg(const Frame& f, double x, double mean, double std, double cap,
                          const std::string& colour) {
  const double top = f.y_to_pixel(mean + std), bottom = f.y_to_pixel(mean - std), middle = f.y_to_pixel(mean);
  std::string s;
  s += format(R"(<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>)"
              "\n",
              x, top, x, bottom);
  s += format(R"(<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>)"
              "\n",
              x - cap, top, x + cap, top);
  s += format(R"(<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>)"
              "\n",
              x - cap, bottom, x + cap, bottom);
  s += format(R"(<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke-width="3" )", x - 2 * cap, middle,
              x + 2 * cap, middle) +
       "stroke=\"" + colour + "\"/>\n";
  return s;
}

// labels with y_max fitted to the largest plotted value (PlotLabels::fit_y_max).
PlotLabels fitted(PlotLabels labels, double largest) {
  if (!labels.fit_y_max || !std::isfinite(largest)) return labels;
  for (double top : {0.05, 0.1, 0.2, 0.5})
    if (largest <= top && top > labels.y_min) {
      labels.y_max = top;
      break;
    }
  return labels;
}

}  // namespace

std::string svg_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

std::string strip_plot_svg(const std::vector<StripGroup>& groups, const PlotLabels& labels) {
  const double column = 90;
  double largest = -INFINITY;
  for (const StripGroup& group : groups) {
    for (double v : group.values)
      if (std::isfinite(v)) largest = std::max(largest, v);
    const MeanStd summary = mean_and_std(group.values);
    if (summary.count > 0) largest = std::max(largest, summary.mean + summary.std);
  }
  Frame f{kLeft + kRight + column * double(std::max<size_t>(groups.size(), 1)),
          column * double(std::max<size_t>(groups.size(), 1)), kHeight - kTop - kBottom,
          fitted(labels, largest)};
  std::string s = frame_svg(f);
  for (size_t g = 0; g < groups.size(); ++g) {
    const double centre = kLeft + column * (double(g) + 0.5);
    const std::vector<double>& values = groups[g].values;
    // Points spread sideways in a fixed pattern (no randomness: the same results give the same file).
    for (size_t i = 0; i < values.size(); ++i) {
      if (!std::isfinite(values[i])) continue;
      const double offset = (double(i % 5) - 2.0) * 5.0;
      s += format(R"(<circle cx="%.1f" cy="%.1f" r="3.5" fill-opacity="0.7" )", centre - 12 + offset,
                  f.y_to_pixel(values[i])) +
           "fill=\"" + groups[g].colour + "\"/>\n";
    }
    const MeanStd summary = mean_and_std(values);
    if (summary.count > 0) s += error_bar_svg(f, centre + 22, summary.mean, summary.std, 4, groups[g].colour);
    // The label, rotated so long names fit under narrow columns.
    const double label_y = kTop + f.plot_height + 14;
    s += format(R"svg(<text x="%.1f" y="%.1f" text-anchor="end" transform="rotate(-30 %.1f %.1f)">)svg",
                centre, label_y, centre, label_y) +
         svg_escape(groups[g].label) + "</text>\n";
  }
  return s + "</svg>\n";
}

std::string line_plot_svg(const std::vector<LineSeries>& series, const PlotLabels& labels) {
  double largest = -INFINITY;
  for (const LineSeries& line : series)
    for (size_t i = 0; i < line.mean.size(); ++i)
      if (std::isfinite(line.mean[i]))
        largest = std::max(
            largest, line.mean[i] + (i < line.std.size() && std::isfinite(line.std[i]) ? line.std[i] : 0.0));
  Frame f{kLeft + kRight + 480 + 150, 480, kHeight - kTop - kBottom, fitted(labels, largest)};
  double x_min = 0, x_max = 1;
  bool first = true;
  for (const LineSeries& line : series)
    for (double x : line.x) {
      x_min = first ? x : std::min(x_min, x), x_max = first ? x : std::max(x_max, x);
      first = false;
    }
  if (x_max <= x_min) x_max = x_min + 1;
  auto x_to_pixel = [&](double x) {
    return kLeft + 20 + (f.plot_width - 40) * (x - x_min) / (x_max - x_min);
  };
  std::string s = frame_svg(f);
  // x ticks at every distinct x of the first series (the sweeps' grid values).
  if (!series.empty())
    for (double x : series[0].x)
      s += format(R"(<text x="%.1f" y="%.1f" text-anchor="middle">%g</text>)"
                  "\n",
                  x_to_pixel(x), kTop + f.plot_height + 16, x);
  for (size_t k = 0; k < series.size(); ++k) {
    const LineSeries& line = series[k];
    std::string points;
    for (size_t i = 0; i < line.x.size() && i < line.mean.size(); ++i) {
      if (!std::isfinite(line.mean[i])) continue;
      points += format("%.1f,%.1f ", x_to_pixel(line.x[i]), f.y_to_pixel(line.mean[i]));
      const double spread = i < line.std.size() && std::isfinite(line.std[i]) ? line.std[i] : 0.0;
      s += error_bar_svg(f, x_to_pixel(line.x[i]) + double(k) * 4.0, line.mean[i], spread, 3, line.colour);
    }
    s += "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" + line.colour + "\" points=\"" + points +
         "\"/>\n";
    const double legend_y = kTop + 16 + 18 * double(k);
    s += format(R"(<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke-width="3" )",
                kLeft + f.plot_width + 10, legend_y - 4, kLeft + f.plot_width + 30, legend_y - 4) +
         "stroke=\"" + line.colour + "\"/>\n";
    s += format(R"(<text x="%.1f" y="%.1f">)", kLeft + f.plot_width + 36, legend_y) + svg_escape(line.name) +
         "</text>\n";
  }
  return s + "</svg>\n";
}

std::string curve_plot_svg(const std::vector<double>& x, const std::vector<double>& y,
                           const PlotLabels& labels) {
  Frame f{kLeft + kRight + 480, 480, kHeight - kTop - kBottom, labels};
  double x_min = INFINITY, x_max = -INFINITY;
  for (double value : x) x_min = std::min(x_min, value), x_max = std::max(x_max, value);
  if (!(x_max > x_min)) x_min = std::isfinite(x_min) ? x_min : 0.0, x_max = x_min + 1.0;
  auto x_to_pixel = [&](double value) { return kLeft + f.plot_width * (value - x_min) / (x_max - x_min); };
  std::string s = frame_svg(f);
  for (int tick = 0; tick <= 4; ++tick) {
    const double value = x_min + (x_max - x_min) * tick / 4.0;
    s += format(R"(<text x="%.1f" y="%.1f" text-anchor="middle">%.4g</text>)"
                "\n",
                x_to_pixel(value), kTop + f.plot_height + 16, value);
  }
  // A non-finite value breaks the line, so a diverged stretch shows as a gap, not as a jump.
  std::string points;
  auto flush = [&] {
    if (!points.empty())
      s += "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"#4c72b0\" points=\"" + points + "\"/>\n";
    points.clear();
  };
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (!std::isfinite(y[i])) {
      flush();
      continue;
    }
    points += format("%.1f,%.1f ", x_to_pixel(x[i]), f.y_to_pixel(y[i]));
  }
  flush();
  return s + "</svg>\n";
}

void write_strip_plot(const std::string& path, const std::vector<StripGroup>& groups,
                      const PlotLabels& labels) {
  write_file_atomically(path, strip_plot_svg(groups, labels));
}

void write_line_plot(const std::string& path, const std::vector<LineSeries>& series,
                     const PlotLabels& labels) {
  write_file_atomically(path, line_plot_svg(series, labels));
}

}  // namespace untangle
