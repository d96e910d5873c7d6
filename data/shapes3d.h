// Shapes3D, rendered procedurally by a small ray caster: a floor, a back wall and one object (cube,
// cylinder, sphere or capsule) seen by a camera that orbits the object.
// Factor grid and order (docs/reference/datasets.md "shapes3d", deepmind/3d-shapes README): floor hue 10,
// wall hue 10, object hue 10 (hues linspace(0, 0.9)), scale 8 = linspace(0.75, 1.25), shape 4 (cube,
// cylinder, sphere, capsule), orientation 15 = view azimuth linspace(-30, 30) degrees; orientation fastest,
// 480,000 images of 64x64x3, as the real 3dshapes.h5 orders its rows.
//
// The scene's geometry does not depend on the three hues, so the ray caster runs once per
// (scale, shape, orientation) — 480 "geometry buffers" — and stores, for each pixel and each surface
// (floor, wall, object), how much light that surface sends to the pixel (diffuse shading x shadow x
// the fraction of the pixel's 2x2 sub-samples that hit it). A pixel's colour is then
// sum over surfaces of weight x the surface's hue colour: rendering is 9 multiply-adds per pixel,
// and a hue factor can only change the pixels its surface covers.
#pragma once
#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "data/dataset.h"

namespace untangle {

class Shapes3DDataset : public GroundTruthDataset {
 public:
  static constexpr int kImageSize = 64;
  enum Surface { kFloor = 0, kWall = 1, kObject = 2 };
  enum Shape { kCube = 0, kCylinder = 1, kSphere = 2, kCapsule = 3 };

  Shapes3DDataset();

  std::string name() const override { return "shapes3d"; }
  std::vector<std::string> factor_names() const override {
    return {"floor_hue", "wall_hue", "object_hue", "scale", "shape", "orientation"};
  }
  std::vector<size_t> factor_sizes() const override { return {10, 10, 10, 8, 4, 15}; }
  std::vector<bool> categorical_factors() const override { return {false, false, false, false, true, false}; }
  size_t channels() const override { return 3; }
  size_t height() const override { return kImageSize; }
  size_t width() const override { return kImageSize; }
  void render(size_t index, float* out_chw) const override;

  static double hue_value(size_t hue_index) { return 0.1 * double(hue_index); }
  static double scale_value(size_t scale_index) { return 0.75 + double(scale_index) / 14.0; }
  static double orientation_degrees(size_t orientation_index) {
    return -30.0 + 60.0 * double(orientation_index) / 14.0;
  }
  // HSV(hue, saturation, value) -> RGB in [0, 1].
  static std::array<float, 3> hue_to_rgb(double hue);

  // weights: (3 surfaces, 64*64) light each surface sends to each pixel, for one scene geometry.
  using GeometryBuffer = std::vector<float>;
  const GeometryBuffer& geometry(size_t scale_index, size_t shape_index, size_t orientation_index) const;

 private:
  static constexpr size_t kGeometries = 8 * 4 * 15;
  // Ray-cast lazily, once each, from whichever thread needs a geometry first.
  mutable std::unique_ptr<std::once_flag[]> once_;
  mutable std::vector<GeometryBuffer> buffers_;
};

}  // namespace untangle
