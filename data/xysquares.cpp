// XYSquares rendering; see xysquares.h and docs/reference/datasets.md "xysquares" for the pixel rules.
#include "data/xysquares.h"

#include <algorithm>

#include "core/check.h"

namespace untangle {

XYSquaresDataset::XYSquaresDataset(int spacing, XYSquaresVariant variant)
    : spacing_(spacing), variant_(variant) {
  require(spacing >= 1 && spacing <= kSquareSize, "xysquares: --spacing must be in 1..8, got ", spacing);
  // Placements per axis: as many as fit, clipped to the grid size. For every s in 1..8 that is 8.
  int placements = std::min((kImageSize - kSquareSize) / spacing + 1, kGridSize);
  offset_ = (kImageSize - (kSquareSize + (placements - 1) * spacing)) / 2;
}

std::string XYSquaresDataset::name() const {
  switch (variant_) {
    case XYSquaresVariant::Rgb: return "xysquares";
    case XYSquaresVariant::Grey: return "xysquares_grey";
    case XYSquaresVariant::Single: return "xysquares_single";
  }
  return "xysquares";
}

std::vector<std::string> XYSquaresDataset::factor_names() const {
  if (variant_ == XYSquaresVariant::Single) return {"x", "y"};
  return {"x_R", "y_R", "x_G", "y_G", "x_B", "y_B"};
}

std::vector<size_t> XYSquaresDataset::factor_sizes() const {
  return std::vector<size_t>(size_t(2 * num_squares()), size_t(kGridSize));
}

// out: (C, 64, 64). Square i is drawn into channel i (rgb) or channel 0 (grey, single) with value 1,
// overwriting rather than adding, so coinciding grey squares stay 1.
void XYSquaresDataset::render(size_t index, float* out_chw) const {
  std::vector<size_t> factors = index_to_factors(index);
  const size_t plane = size_t(kImageSize) * kImageSize;
  std::fill(out_chw, out_chw + channels() * plane, 0.0f);
  for (int square = 0; square < num_squares(); ++square) {
    float* channel = out_chw + (variant_ == XYSquaresVariant::Rgb ? size_t(square) * plane : 0);
    int x0 = pixel_of(factors[size_t(2 * square)]);
    int y0 = pixel_of(factors[size_t(2 * square + 1)]);
    for (int y = y0; y < y0 + kSquareSize; ++y)
      std::fill(channel + y * kImageSize + x0, channel + y * kImageSize + x0 + kSquareSize, 1.0f);
  }
}

}  // namespace untangle
