// dSprites rasteriser; see dsprites.h for the geometry and docs/datasets.md for its calibration.
#include "data/dsprites.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace untangle {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Sprite sizes at scale 1, in pixels (fit to the GIF frames, docs/datasets.md).
constexpr double kSquareHalfSide = 9.5;
constexpr double kEllipseHalfLong = 13.0, kEllipseHalfShort = 7.0;
// The heart: two discs (the lobes) and the region under them that narrows to a tip.
// It sits in a 20 x 18 box centred on the sprite centre: lobes at the top, tip at the bottom.
constexpr double kHeartHalfHeight = 9.0;
constexpr double kLobeOffset = 5.0;  // lobe centres at u = +-5
constexpr double kLobeRadius = 5.0;  // so the lobes reach u = +-10

// The straight side of the heart is the line from the tip that touches the right lobe on its outside.
// Returns its tangent point; the left side is the mirror image.
struct HeartSide {
  double lobe_v, tip_v;             // v of the lobe centres and of the tip
  double direction_u, direction_v;  // unit vector from the tip along the side
  double tangent_v;                 // v of the touching point
};

HeartSide heart_side() {
  HeartSide side;
  side.lobe_v = kHeartHalfHeight - kLobeRadius;
  side.tip_v = -kHeartHalfHeight;
  double du = kLobeOffset, dv = side.lobe_v - side.tip_v;
  double distance = std::hypot(du, dv);
  // Turn the tip->lobe-centre direction clockwise by asin(r/d) to touch the lobe on its outer side.
  double angle = std::atan2(dv, du) - std::asin(kLobeRadius / distance);
  side.direction_u = std::cos(angle);
  side.direction_v = std::sin(angle);
  double along = std::sqrt(distance * distance - kLobeRadius * kLobeRadius);
  side.tangent_v = side.tip_v + side.direction_v * along;
  return side;
}

}  // namespace

bool dsprites_shape_contains(int shape, double u, double v) {
  switch (shape) {
    case DSpritesDataset::kSquare: return std::fabs(u) <= kSquareHalfSide && std::fabs(v) <= kSquareHalfSide;
    case DSpritesDataset::kEllipse: {
      double a = u / kEllipseHalfLong, b = v / kEllipseHalfShort;
      return a * a + b * b <= 1.0;
    }
    case DSpritesDataset::kHeart: {
      static const HeartSide side = heart_side();
      double au = std::fabs(u);  // the heart is mirror-symmetric
      double du = au - kLobeOffset, dv = v - side.lobe_v;
      if (du * du + dv * dv <= kLobeRadius * kLobeRadius) return true;
      if (v > side.lobe_v) return false;  // above the lobe centres only the discs count (the notch)
      // Left of the side line (cross product >= 0), and below the touching point unless between lobes.
      double cross = side.direction_u * (v - side.tip_v) - side.direction_v * au;
      return cross >= 0.0 && (au <= kLobeOffset || v <= side.tangent_v);
    }
  }
  fail("dsprites: unknown shape ", shape);
}

double DSpritesDataset::orientation_value(size_t orientation_index) {
  return 2.0 * kPi * double(orientation_index) / 39.0;  // linspace(0, 2*pi, 40), endpoint included
}

// out: (64, 64). Only the sprite's bounding box is tested: the farthest sprite point is the square's
// corner at 9.5*sqrt(2) ~ 13.5 px (scale 1) from the centre.
void DSpritesDataset::draw(int shape, double scale, double angle, double centre_x, double centre_y,
                           float* out) {
  std::fill(out, out + kImageSize * kImageSize, 0.0f);
  const double reach = 14.5 * scale;
  const int x_begin = std::max(0, int(std::floor(centre_x - reach))),
            x_end = std::min(kImageSize, int(std::ceil(centre_x + reach)));
  const int y_begin = std::max(0, int(std::floor(centre_y - reach))),
            y_end = std::min(kImageSize, int(std::ceil(centre_y + reach)));
  const double c = std::cos(angle), s = std::sin(angle), inverse_scale = 1.0 / scale;
  for (int y = y_begin; y < y_end; ++y) {
    for (int x = x_begin; x < x_end; ++x) {
      // Pixel centre relative to the sprite centre, v pointing up; then undo the rotation.
      double du = x + 0.5 - centre_x, dv = centre_y - (y + 0.5);
      double u = (c * du + s * dv) * inverse_scale, v = (-s * du + c * dv) * inverse_scale;
      if (dsprites_shape_contains(shape, u, v)) out[y * kImageSize + x] = 1.0f;
    }
  }
}

void DSpritesDataset::render(size_t index, float* out_chw) const {
  std::vector<size_t> f = index_to_factors(index);
  draw(int(f[0]), scale_value(f[1]), orientation_value(f[2]), centre_pixel(position_value(f[3])),
       centre_pixel(position_value(f[4])), out_chw);
}

}  // namespace untangle
