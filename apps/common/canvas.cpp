#include "apps/common/canvas.h"

#include <algorithm>
#include <cmath>

#include "apps/common/pixel_font.h"
#include "core/check.h"
#include "data/png.h"

namespace untangle {

Canvas::Canvas(size_t width, size_t height, Rgb background) : width_(width), height_(height) {
  require(width > 0 && height > 0, "canvas: empty size ", width, "x", height);
  pixels_.resize(width * height * 3);
  for (size_t i = 0; i < width * height; ++i) {
    pixels_[i * 3] = background.r, pixels_[i * 3 + 1] = background.g, pixels_[i * 3 + 2] = background.b;
  }
}

Rgb Canvas::at(size_t x, size_t y) const {
  require(x < width_ && y < height_, "canvas: pixel (", x, ", ", y, ") outside ", width_, "x", height_);
  const uint8_t* p = &pixels_[(y * width_ + x) * 3];
  return {p[0], p[1], p[2]};
}

void Canvas::fill(size_t left, size_t top, size_t width, size_t height, Rgb colour) {
  for (size_t y = top; y < std::min(top + height, height_); ++y)
    for (size_t x = left; x < std::min(left + width, width_); ++x) {
      uint8_t* p = &pixels_[(y * width_ + x) * 3];
      p[0] = colour.r, p[1] = colour.g, p[2] = colour.b;
    }
}

void Canvas::text(size_t left, size_t top, const std::string& text, size_t scale, Rgb colour) {
  for (char character : text) {
    if (const char* const* rows = glyph_rows(character))
      for (size_t row = 0; row < kGlyphHeight; ++row)
        for (size_t column = 0; column < kGlyphWidth; ++column)
          if (rows[row][column] == '#') fill(left + column * scale, top + row * scale, scale, scale, colour);
    left += kGlyphAdvance * scale;
  }
}

void Canvas::paste_image(const float* chw, size_t channels, size_t height, size_t width, size_t left,
                         size_t top, size_t zoom) {
  require(channels == 1 || channels == 3, "canvas: images need 1 or 3 channels, got ", channels);
  const size_t plane = height * width;
  for (size_t y = 0; y < height; ++y)
    for (size_t x = 0; x < width; ++x) {
      uint8_t value[3];
      for (size_t k = 0; k < 3; ++k) {
        const float v = chw[(channels == 3 ? k : 0) * plane + y * width + x];
        value[k] = uint8_t(std::lround(std::clamp(std::isfinite(v) ? v : 0.0f, 0.0f, 1.0f) * 255.0f));
      }
      fill(left + x * zoom, top + y * zoom, zoom, zoom, {value[0], value[1], value[2]});
    }
}

void Canvas::save_png(const std::string& path) const {
  write_png(path, pixels_.data(), width_, height_, 3);
}

size_t Canvas::text_width(const std::string& text, size_t scale) {
  return text.empty() ? 0 : (text.size() * kGlyphAdvance - 1) * scale;
}

size_t Canvas::text_height(size_t scale) {
  return kGlyphHeight * scale;
}

}  // namespace untangle
