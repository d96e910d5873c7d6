#include "apps/common/heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "data/png.h"
#include "kernels/check.h"

namespace untangle {

namespace {

// Three stops (light, middle, dark), close to matplotlib's Blues / Purples.
const Rgb kBlues[3] = {{247, 251, 255}, {107, 174, 214}, {8, 48, 107}};
const Rgb kPurples[3] = {{252, 251, 253}, {158, 154, 200}, {63, 0, 125}};

// 3×5 glyphs, one row per string, '#' = ink.
struct Glyph {
  char character;
  const char* rows[5];
};
const Glyph kFont[] = {
    {'0', {"###", "#.#", "#.#", "#.#", "###"}}, {'1', {".#.", "##.", ".#.", ".#.", "###"}},
    {'2', {"###", "..#", "###", "#..", "###"}}, {'3', {"###", "..#", "###", "..#", "###"}},
    {'4', {"#.#", "#.#", "###", "..#", "..#"}}, {'5', {"###", "#..", "###", "..#", "###"}},
    {'6', {"###", "#..", "###", "#.#", "###"}}, {'7', {"###", "..#", "..#", "..#", "..#"}},
    {'8', {"###", "#.#", "###", "#.#", "###"}}, {'9', {"###", "#.#", "###", "..#", "###"}},
    {'.', {"...", "...", "...", "...", ".#."}}, {'-', {"...", "...", "###", "...", "..."}},
    {'+', {"...", ".#.", "###", ".#.", "..."}}, {'e', {"...", "###", "##.", "#..", "###"}},
};
constexpr size_t kGlyphWidth = 3, kGlyphHeight = 5, kTextScale = 2;

class Canvas {
 public:
  Canvas(size_t width, size_t height) : width_(width), height_(height), pixels_(width * height * 3, 255) {}
  void fill(size_t left, size_t top, size_t w, size_t h, Rgb c) {
    for (size_t y = top; y < std::min(top + h, height_); ++y)
      for (size_t x = left; x < std::min(left + w, width_); ++x) {
        uint8_t* p = &pixels_[(y * width_ + x) * 3];
        p[0] = c.r, p[1] = c.g, p[2] = c.b;
      }
  }
  // Text with its top-left corner at (left, top), each font pixel kTextScale screen pixels.
  void text(size_t left, size_t top, const std::string& s) {
    for (char ch : s) {
      for (const Glyph& g : kFont) {
        if (g.character != ch) continue;
        for (size_t row = 0; row < kGlyphHeight; ++row)
          for (size_t col = 0; col < kGlyphWidth; ++col)
            if (g.rows[row][col] == '#')
              fill(left + col * kTextScale, top + row * kTextScale, kTextScale, kTextScale, {0, 0, 0});
      }
      left += (kGlyphWidth + 1) * kTextScale;
    }
  }
  void save(const std::string& path) const { write_png(path, pixels_.data(), width_, height_, 3); }

 private:
  size_t width_, height_;
  std::vector<uint8_t> pixels_;
};

}  // namespace

Rgb colour_at(ColourMap map, double t) {
  const Rgb* stops = map == ColourMap::Blues ? kBlues : kPurples;
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  const size_t segment = t < 0.5 ? 0 : 1;
  const double u = t < 0.5 ? t * 2.0 : (t - 0.5) * 2.0;
  auto mix = [u](uint8_t a, uint8_t b) { return uint8_t(std::lround(double(a) + u * (double(b) - double(a)))); };
  const Rgb a = stops[segment], b = stops[segment + 1];
  return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

std::string colour_bar_label(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.3g", value);
  return buffer;
}

void write_heatmap_png(const std::string& path, const std::vector<double>& matrix, size_t n, ColourMap map,
                       size_t cell_pixels) {
  require(n > 0 && matrix.size() == n * n, "heat map ", path, ": expected a ", n, "x", n, " matrix, got ",
          matrix.size(), " values");
  const size_t cell = cell_pixels ? cell_pixels : std::max<size_t>(2, 256 / n);
  const double low = *std::min_element(matrix.begin(), matrix.end());
  const double high = *std::max_element(matrix.begin(), matrix.end());
  const double range = high - low;

  // Layout: margin | matrix | gap | bar | gap | labels | margin
  constexpr size_t kMargin = 8, kGap = 8, kBarWidth = 14;
  const size_t side = n * cell;
  const std::string top_label = colour_bar_label(high), bottom_label = colour_bar_label(low);
  const size_t label_width = (kGlyphWidth + 1) * kTextScale * std::max(top_label.size(), bottom_label.size());
  Canvas canvas(kMargin + side + kGap + kBarWidth + kGap + label_width + kMargin, kMargin + side + kMargin);

  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      const double t = range > 0 ? (matrix[i * n + j] - low) / range : 0.0;
      canvas.fill(kMargin + j * cell, kMargin + i * cell, cell, cell, colour_at(map, t));
    }
  // The bar: dark (max) at the top, light (min) at the bottom, outlined in grey.
  const size_t bar_left = kMargin + side + kGap;
  canvas.fill(bar_left - 1, kMargin - 1, kBarWidth + 2, side + 2, {128, 128, 128});
  for (size_t y = 0; y < side; ++y)
    canvas.fill(bar_left, kMargin + y, kBarWidth, 1, colour_at(map, 1.0 - double(y) / double(side > 1 ? side - 1 : 1)));
  const size_t label_left = bar_left + kBarWidth + kGap;
  canvas.text(label_left, kMargin, top_label);
  canvas.text(label_left, kMargin + side - kGlyphHeight * kTextScale, bottom_label);
  canvas.save(path);
}

}  // namespace untangle
