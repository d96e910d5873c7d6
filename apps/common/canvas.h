// An RGB picture to draw figures on: filled rectangles, text in the 5×7 pixel font
// (apps/common/pixel_font.h), and images pasted from float (C, H, W) arrays in [0, 1]. Every PNG figure of
// the project is drawn here (latent traversals, reconstructions, dataset previews, heat maps) and saved with
// data/png.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace untangle {

struct Rgb {
  uint8_t r, g, b;
};
constexpr Rgb kWhite{255, 255, 255}, kBlack{0, 0, 0}, kGrey{128, 128, 128};

class Canvas {
 public:
  Canvas(size_t width, size_t height, Rgb background = kWhite);
  size_t width() const { return width_; }
  size_t height() const { return height_; }
  // (height, width, 3) bytes, row-major.
  const std::vector<uint8_t>& pixels() const { return pixels_; }
  Rgb at(size_t x, size_t y) const;

  // Parts outside the canvas are clipped.
  void fill(size_t left, size_t top, size_t width, size_t height, Rgb colour);
  // Text with its top-left corner at (left, top); each font pixel becomes scale × scale pixels.
  void text(size_t left, size_t top, const std::string& text, size_t scale = 1, Rgb colour = kBlack);
  // chw: (channels, height, width) in [0, 1] (clamped), channels 1 (grey) or 3; each pixel zoom × zoom.
  void paste_image(const float* chw, size_t channels, size_t height, size_t width, size_t left, size_t top,
                   size_t zoom = 1);
  // Writes the canvas as an RGB PNG (atomically).
  void save_png(const std::string& path) const;

  // The size of `text` drawn at `scale`: no blank column after the last glyph.
  static size_t text_width(const std::string& text, size_t scale = 1);
  static size_t text_height(size_t scale = 1);

 private:
  size_t width_, height_;
  std::vector<uint8_t> pixels_;
};

}  // namespace untangle
