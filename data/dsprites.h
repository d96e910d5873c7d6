// dSprites, rendered procedurally: a white square, ellipse or heart on a black 64x64 canvas.
// Factor grid (docs/reference/datasets.md "dsprites", DeepMind README): shape 3, scale 6 = linspace(0.5, 1),
// orientation 40 = linspace(0, 2*pi) with the endpoint included (so 0 and 39 draw the same image, as
// in the original), x 32 and y 32 = linspace(0, 1). The original's colour factor has one value and is
// dropped, as disentanglement_lib's `dsprites_full` does.
//
// Geometry, calibrated against the 320 real frames in the animation of deepmind/dsprites-dataset's README
// (dsprites.gif) (measurements and the fit are in docs/datasets.md):
//   - a pixel is on iff its centre lies inside the sprite (binary, no anti-aliasing);
//   - sprite centre (pixels, origin at the image's top-left corner) = 16 + 32*position, so centres
//     span 16..48 and a full-scale sprite keeps ~4 px from the border;
//   - at scale 1: square side 19 px; ellipse 26 x 14 px (long axis horizontal at orientation 0);
//     heart 20 px wide, 18 px tall, lobes up at orientation 0; every size is multiplied by the scale;
//   - orientation turns the sprite counter-clockwise on screen about its centre.
#pragma once
#include "data/dataset.h"

namespace untangle {

class DSpritesDataset : public GroundTruthDataset {
 public:
  static constexpr int kImageSize = 64;
  enum Shape { kSquare = 0, kEllipse = 1, kHeart = 2 };

  std::string name() const override { return "dsprites"; }
  std::vector<std::string> factor_names() const override {
    return {"shape", "scale", "orientation", "x", "y"};
  }
  std::vector<size_t> factor_sizes() const override { return {3, 6, 40, 32, 32}; }
  std::vector<bool> categorical_factors() const override { return {true, false, false, false, false}; }
  size_t channels() const override { return 1; }
  size_t height() const override { return kImageSize; }
  size_t width() const override { return kImageSize; }
  void render(size_t index, float* out_chw) const override;

  // The factor values of the original file (latents_values): scale 0.5..1, angle 0..2*pi, position 0..1.
  static double scale_value(size_t scale_index) { return 0.5 + 0.1 * double(scale_index); }
  static double orientation_value(size_t orientation_index);
  static double position_value(size_t position_index) { return double(position_index) / 31.0; }
  // Where a position value puts the sprite centre, in pixels from the top-left corner.
  static double centre_pixel(double position) { return 16.0 + 32.0 * position; }

  // Draws one sprite from factor values (not indices); out: (64, 64), 0/1.
  static void draw(int shape, double scale, double angle, double centre_x, double centre_y, float* out);
};

// Is the point (u, v) inside the unit-scale sprite? (u right, v up, pixels at scale 1, centred.)
bool dsprites_shape_contains(int shape, double u, double v);

}  // namespace untangle
