// The Shapes3D ray caster; see shapes3d.h. World frame: y up, the floor is y = 0, the object stands
// on the floor at the origin, the back wall is the plane z = -kWallDistance, and the camera orbits the
// origin at azimuth = orientation. Scene constants were chosen by eye to resemble the real images
// (object in the lower middle, wall filling the upper part; docs/images/ shows a grid).
#include "data/shapes3d.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/check.h"

namespace untangle {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kWallDistance = 3.0;
constexpr double kCameraDistance = 4.2, kCameraHeight = 1.8, kLookAtHeight = 0.75;
constexpr double kHalfFieldOfView = 25.0 * kPi / 180.0;
constexpr double kAmbient = 0.45;  // light every surface gets, even in shadow
constexpr double kMissed = std::numeric_limits<double>::infinity();

struct Vec3 {
  double x, y, z;
};
Vec3 operator+(Vec3 a, Vec3 b) {
  return {a.x + b.x, a.y + b.y, a.z + b.z};
}
Vec3 operator-(Vec3 a, Vec3 b) {
  return {a.x - b.x, a.y - b.y, a.z - b.z};
}
Vec3 operator*(double s, Vec3 a) {
  return {s * a.x, s * a.y, s * a.z};
}
double dot(Vec3 a, Vec3 b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
Vec3 cross(Vec3 a, Vec3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
Vec3 normalize(Vec3 a) {
  return (1.0 / std::sqrt(dot(a, a))) * a;
}

const Vec3 kToLight = normalize({-0.5, 1.0, 0.8});

struct Hit {
  double t = kMissed;
  Vec3 normal{0, 0, 0};
};

// Smallest root t > epsilon of a t^2 + 2 b t + c = 0, or kMissed.
double nearest_root(double a, double b, double c) {
  double discriminant = b * b - a * c;
  if (discriminant < 0 || a == 0) return kMissed;
  double root = std::sqrt(discriminant);
  for (double t : {(-b - root) / a, (-b + root) / a})
    if (t > 1e-6) return t;
  return kMissed;
}

void keep_nearer(Hit& best, double t, Vec3 normal) {
  if (t < best.t) best = {t, normal};
}

// A sphere of `radius` centred at (0, centre_y, 0).
void hit_sphere(Vec3 o, Vec3 d, double centre_y, double radius, Hit& best) {
  Vec3 oc = o - Vec3{0, centre_y, 0};
  double t = nearest_root(dot(d, d), dot(oc, d), dot(oc, oc) - radius * radius);
  if (t < kMissed) keep_nearer(best, t, normalize(oc + t * d));
}

// The side of a vertical cylinder (axis = y axis) between heights y0 and y1.
void hit_cylinder_side(Vec3 o, Vec3 d, double radius, double y0, double y1, Hit& best) {
  double a = d.x * d.x + d.z * d.z, b = o.x * d.x + o.z * d.z, c = o.x * o.x + o.z * o.z - radius * radius;
  double discriminant = b * b - a * c;
  if (a == 0 || discriminant < 0) return;
  double root = std::sqrt(discriminant);
  for (double t : {(-b - root) / a, (-b + root) / a}) {
    double y = o.y + t * d.y;
    if (t > 1e-6 && y >= y0 && y <= y1) {
      Vec3 p = o + t * d;
      keep_nearer(best, t, normalize({p.x, 0, p.z}));
      return;
    }
  }
}

// The top disc of a vertical cylinder at height y_top.
void hit_cylinder_cap(Vec3 o, Vec3 d, double radius, double y_top, Hit& best) {
  if (d.y == 0) return;
  double t = (y_top - o.y) / d.y;
  Vec3 p = o + t * d;
  if (t > 1e-6 && p.x * p.x + p.z * p.z <= radius * radius)
    keep_nearer(best, t, {0, d.y < 0 ? 1.0 : -1.0, 0});
}

// An axis-aligned box [-h, h] x [0, 2h] x [-h, h] (slab method).
void hit_cube(Vec3 o, Vec3 d, double h, Hit& best) {
  double lo[3] = {-h, 0, -h}, hi[3] = {h, 2 * h, h};
  double origin[3] = {o.x, o.y, o.z}, direction[3] = {d.x, d.y, d.z};
  double t_enter = -kMissed, t_exit = kMissed;
  int enter_axis = 0;
  for (int axis = 0; axis < 3; ++axis) {
    if (direction[axis] == 0) {
      if (origin[axis] < lo[axis] || origin[axis] > hi[axis]) return;
      continue;
    }
    double t0 = (lo[axis] - origin[axis]) / direction[axis], t1 = (hi[axis] - origin[axis]) / direction[axis];
    if (t0 > t1) std::swap(t0, t1);
    if (t0 > t_enter) {
      t_enter = t0;
      enter_axis = axis;
    }
    t_exit = std::min(t_exit, t1);
  }
  if (t_enter > t_exit || t_enter <= 1e-6) return;
  double n[3] = {0, 0, 0};
  n[enter_axis] = direction[enter_axis] > 0 ? -1.0 : 1.0;
  keep_nearer(best, t_enter, {n[0], n[1], n[2]});
}

// The object at `scale`: every shape is about one unit across at scale 1 and stands on the floor.
Hit hit_object(int shape, double scale, Vec3 o, Vec3 d) {
  Hit best;
  const double r = 0.5 * scale;
  switch (shape) {
    case Shapes3DDataset::kCube: hit_cube(o, d, r, best); break;
    case Shapes3DDataset::kCylinder:
      hit_cylinder_side(o, d, r, 0, 2 * r, best);
      hit_cylinder_cap(o, d, r, 2 * r, best);
      break;
    case Shapes3DDataset::kSphere: hit_sphere(o, d, r, r, best); break;
    case Shapes3DDataset::kCapsule: {  // a slimmer, taller pill: radius 0.8 r, straight part 1.2 r
      double radius = 0.8 * r, straight = 1.2 * r;
      hit_cylinder_side(o, d, radius, radius, radius + straight, best);
      hit_sphere(o, d, radius, radius, best);
      hit_sphere(o, d, radius + straight, radius, best);
      break;
    }
  }
  return best;
}

// Light a surface point receives: ambient plus Lambert diffuse, unless the object shadows it.
double shade(int shape, double scale, Vec3 point, Vec3 normal, bool is_object) {
  double lambert = std::max(0.0, dot(normal, kToLight));
  if (!is_object && lambert > 0 && hit_object(shape, scale, point + 1e-6 * normal, kToLight).t < kMissed)
    lambert = 0;
  return kAmbient + (1.0 - kAmbient) * lambert;
}

}  // namespace

std::array<float, 3> Shapes3DDataset::hue_to_rgb(double hue) {
  // HSV with saturation 1 and value 1: six linear ramps around the colour wheel.
  double h6 = 6.0 * (hue - std::floor(hue));
  auto channel = [&](double offset) {
    double k = std::fmod(offset + h6, 6.0);
    return float(1.0 - std::max(0.0, std::min({k, 4.0 - k, 1.0})));
  };
  return {channel(5.0), channel(3.0), channel(1.0)};
}

Shapes3DDataset::Shapes3DDataset() : once_(new std::once_flag[kGeometries]), buffers_(kGeometries) {}

const Shapes3DDataset::GeometryBuffer& Shapes3DDataset::geometry(size_t scale_index, size_t shape_index,
                                                                 size_t orientation_index) const {
  require(scale_index < 8 && shape_index < 4 && orientation_index < 15,
          "shapes3d: geometry index out of range");
  const size_t slot = (scale_index * 4 + shape_index) * 15 + orientation_index;
  std::call_once(once_[slot], [&] {
    const int shape = int(shape_index);
    const double scale = scale_value(scale_index);
    const double azimuth = orientation_degrees(orientation_index) * kPi / 180.0;
    const Vec3 camera{kCameraDistance * std::sin(azimuth), kCameraHeight,
                      kCameraDistance * std::cos(azimuth)};
    const Vec3 forward = normalize(Vec3{0, kLookAtHeight, 0} - camera);
    const Vec3 right = normalize(cross(forward, {0, 1, 0}));
    const Vec3 up = cross(right, forward);
    const double half_extent = std::tan(kHalfFieldOfView);
    const size_t pixels = size_t(kImageSize) * kImageSize;
    GeometryBuffer weights(3 * pixels, 0.0f);
    for (int y = 0; y < kImageSize; ++y) {
      for (int x = 0; x < kImageSize; ++x) {
        for (int sub = 0; sub < 4; ++sub) {  // 2x2 sub-samples per pixel soften the edges
          double sx = ((x + 0.25 + 0.5 * (sub % 2)) / (kImageSize / 2.0) - 1.0) * half_extent;
          double sy = ((y + 0.25 + 0.5 * (sub / 2)) / (kImageSize / 2.0) - 1.0) * half_extent;
          Vec3 d = normalize(forward + sx * right - sy * up);
          Hit object = hit_object(shape, scale, camera, d);
          double t_floor = d.y < 0 ? -camera.y / d.y : kMissed;
          double t_wall = d.z < 0 ? (-kWallDistance - camera.z) / d.z : kMissed;
          int surface;
          double light;
          if (object.t < t_floor && object.t < t_wall) {
            surface = kObject;
            light = shade(shape, scale, camera + object.t * d, object.normal, true);
          } else if (t_floor < t_wall) {
            surface = kFloor;
            light = shade(shape, scale, camera + t_floor * d, {0, 1, 0}, false);
          } else {  // the wall is infinite, so every ray that misses floor and object ends there
            surface = kWall;
            light = shade(shape, scale, camera + t_wall * d, {0, 0, 1}, false);
          }
          weights[size_t(surface) * pixels + size_t(y * kImageSize + x)] += float(0.25 * light);
        }
      }
    }
    buffers_[slot] = std::move(weights);
  });
  return buffers_[slot];
}

// out: (3, 64, 64) = sum over surfaces of weight(surface, pixel) * colour(surface, channel).
void Shapes3DDataset::render(size_t index, float* out_chw) const {
  std::vector<size_t> f = index_to_factors(index);
  const GeometryBuffer& weights = geometry(f[3], f[4], f[5]);
  const std::array<float, 3> colour[3] = {hue_to_rgb(hue_value(f[0])), hue_to_rgb(hue_value(f[1])),
                                          hue_to_rgb(hue_value(f[2]))};
  const size_t pixels = size_t(kImageSize) * kImageSize;
  for (size_t c = 0; c < 3; ++c) {
    float* out = out_chw + c * pixels;
    const float floor_colour = colour[kFloor][c], wall_colour = colour[kWall][c],
                object_colour = colour[kObject][c];
    for (size_t p = 0; p < pixels; ++p)
      out[p] = weights[p] * floor_colour + weights[pixels + p] * wall_colour +
               weights[2 * pixels + p] * object_colour;
  }
}

}  // namespace untangle
