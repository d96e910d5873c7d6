#include "apps/common/heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/check.h"

namespace untangle {

namespace {

// Three stops (light, middle, dark), close to matplotlib's Blues / Purples.
const Rgb kBlues[3] = {{247, 251, 255}, {107, 174, 214}, {8, 48, 107}};
const Rgb kPurples[3] = {{252, 251, 253}, {158, 154, 200}, {63, 0, 125}};

}  // namespace

Rgb colour_at(ColourMap map, double t) {
  const Rgb* stops = map == ColourMap::Blues ? kBlues : kPurples;
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  const size_t segment = t < 0.5 ? 0 : 1;
  const double u = t < 0.5 ? t * 2.0 : (t - 0.5) * 2.0;
  auto mix = [u](uint8_t a, uint8_t b) {
    return uint8_t(std::lround(double(a) + u * (double(b) - double(a))));
  };
  const Rgb a = stops[segment], b = stops[segment + 1];
  return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

std::string colour_bar_label(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.3g", value);
  return buffer;
}

void write_heatmap_png(const std::string& path, const std::vector<double>& matrix, size_t n, ColourMap map,
                       size_t cell_pixels, const std::string& title) {
  require(n > 0 && matrix.size() == n * n, "heat map ", path, ": expected a ", n, "x", n, " matrix, got ",
          matrix.size(), " values");
  const size_t cell = cell_pixels ? cell_pixels : std::max<size_t>(2, 256 / n);
  const double low = *std::min_element(matrix.begin(), matrix.end());
  const double high = *std::max_element(matrix.begin(), matrix.end());
  const double range = high - low;

  // Layout: margin | matrix | gap | bar | gap | labels | margin, below an optional title line.
  constexpr size_t kMargin = 8, kGap = 8, kBarWidth = 14, kTitleScale = 2;
  const size_t side = n * cell;
  const std::string top_label = colour_bar_label(high), bottom_label = colour_bar_label(low);
  const size_t label_width = std::max(Canvas::text_width(top_label), Canvas::text_width(bottom_label));
  const size_t title_height = title.empty() ? 0 : Canvas::text_height(kTitleScale) + kGap;
  const size_t width = std::max(kMargin + side + kGap + kBarWidth + kGap + label_width + kMargin,
                                kMargin + Canvas::text_width(title, kTitleScale) + kMargin);
  Canvas canvas(width, kMargin + title_height + side + kMargin);
  canvas.text(kMargin, kMargin, title, kTitleScale);
  const size_t top = kMargin + title_height;

  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      const double t = range > 0 ? (matrix[i * n + j] - low) / range : 0.0;
      canvas.fill(kMargin + j * cell, top + i * cell, cell, cell, colour_at(map, t));
    }
  // The bar: dark (max) at the top, light (min) at the bottom, outlined in grey.
  const size_t bar_left = kMargin + side + kGap;
  canvas.fill(bar_left - 1, top - 1, kBarWidth + 2, side + 2, kGrey);
  for (size_t y = 0; y < side; ++y)
    canvas.fill(bar_left, top + y, kBarWidth, 1,
                colour_at(map, 1.0 - double(y) / double(side > 1 ? side - 1 : 1)));
  const size_t label_left = bar_left + kBarWidth + kGap;
  canvas.text(label_left, top, top_label);
  canvas.text(label_left, top + side - Canvas::text_height(), bottom_label);
  canvas.save_png(path);
}

}  // namespace untangle
