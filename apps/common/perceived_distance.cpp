#include "apps/common/perceived_distance.h"

#include <algorithm>
#include <cmath>

#include "autograd/ops.h"
#include "core/check.h"

namespace untangle {

namespace {

// disent's box_r31 kernel and the k3969.0 weight (= 63², so the blur term weighs like the pixel term
// summed over a whole box).
constexpr int kBlurRadius = 31;
constexpr double kBlurWeight = 3969.0;

double binary_cross_entropy(const float* target, const float* prediction, size_t size) {
  constexpr double kClamp = 1e-4;
  double sum = 0;
  for (size_t i = 0; i < size; ++i) {
    const double p = std::clamp(double(prediction[i]), kClamp, 1.0 - kClamp);
    sum -= double(target[i]) * std::log(p) + (1.0 - double(target[i])) * std::log(1.0 - p);
  }
  return size ? sum / double(size) : 0.0;
}

}  // namespace

const std::vector<std::string>& perceived_distance_names() {
  static const std::vector<std::string> names = {"mse", "bce", "blur"};
  return names;
}

ObservationDistance perceived_distance(const std::string& name, size_t channels, size_t height,
                                       size_t width) {
  if (name == "mse") return mean_squared_error;
  if (name == "bce")
    return [](const float* a, const float* b, size_t size) {
      return 0.5 * (binary_cross_entropy(a, b, size) + binary_cross_entropy(b, a, size));
    };
  require(name == "blur", "unknown perceived distance '", name, "' (expected mse, bce or blur)");
  return [channels, height, width](const float* a, const float* b, size_t size) {
    std::vector<float> difference(size);
    for (size_t i = 0; i < size; ++i) difference[i] = a[i] - b[i];
    // difference: (1, C, H, W) -> its box blur, same shape
    Tape tape = Tape::evaluation();
    Tensor blurred = box_blur(
        tape, Tensor::from_vector(difference, {1, int(channels), int(height), int(width)}), kBlurRadius);
    const float* k = blurred.data();
    double sum = 0;
    for (size_t i = 0; i < size; ++i)
      sum += double(difference[i]) * double(difference[i]) + kBlurWeight * double(k[i]) * double(k[i]);
    return size ? sum / double(size) : 0.0;
  };
}

}  // namespace untangle
