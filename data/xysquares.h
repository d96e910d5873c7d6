// XYSquares: the "adversarial" dataset of Michlo et al. — 8x8 squares on a 64x64 black canvas, one per
// colour channel, moving on an 8x8 grid whose spacing controls how much neighbouring positions
// overlap. Facts (pixel rules, offsets, variants): disent's dataset/data/_groundtruth__xysquares.py;
// docs/datasets.md (disent `_groundtruth__xysquares.py`, XYSquaresData / XYSquaresMinimalData /
// XYSingleSquareData).
//
// Variants:
//   rgb    (name "xysquares"):        3 channels, square i drawn only in channel i (R, G, B).
//   grey   (name "xysquares_grey"):   1 channel, all 3 squares written with the same fill, so
//                                      overlapping squares do not add up.
//   single (name "xysquares_single"): 1 channel, one square, factors (x, y).
#pragma once
#include "data/dataset.h"

namespace untangle {

enum class XYSquaresVariant { Rgb, Grey, Single };

class XYSquaresDataset : public GroundTruthDataset {
 public:
  static constexpr int kImageSize = 64;
  static constexpr int kSquareSize = 8;
  static constexpr int kGridSize = 8;  // positions per axis (the configs' grid_size)

  // spacing: pixels between neighbouring grid positions, 1..8 (8 = squares never overlap).
  explicit XYSquaresDataset(int spacing = 8, XYSquaresVariant variant = XYSquaresVariant::Rgb);

  std::string name() const override;
  std::vector<std::string> factor_names() const override;
  std::vector<size_t> factor_sizes() const override;
  size_t channels() const override { return variant_ == XYSquaresVariant::Rgb ? 3 : 1; }
  size_t height() const override { return kImageSize; }
  size_t width() const override { return kImageSize; }
  void render(size_t index, float* out_chw) const override;

  int spacing() const { return spacing_; }
  int num_squares() const { return variant_ == XYSquaresVariant::Single ? 1 : 3; }
  // Top-left pixel coordinate of a square at grid position `position` (same rule for x and y).
  int pixel_of(size_t position) const { return offset_ + spacing_ * int(position); }
  // The centring offset: (64 - (8 + (P-1)*s)) / 2 with P placements; 24,21,17,14,10,7,3,0 for s=1..8.
  int offset() const { return offset_; }

 private:
  int spacing_;
  XYSquaresVariant variant_;
  int offset_;
};

}  // namespace untangle
