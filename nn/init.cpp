#include "nn/init.h"

#include <cmath>

#include "core/check.h"

namespace untangle {

void glorot_uniform(const Tensor& weight, int fan_in, int fan_out, PhiloxRng& rng) {
  const float limit = float(std::sqrt(6.0 / double(fan_in + fan_out)));
  rng.fill_uniform(weight.data(), weight.numel(), -limit, limit);
}

void xavier_normal(const Tensor& weight, int fan_in, int fan_out, PhiloxRng& rng) {
  rng.fill_normal(weight.data(), weight.numel(), 0.0f, float(std::sqrt(2.0 / double(fan_in + fan_out))));
}

void initialize(const Tensor& weight, Initializer initializer, int fan_in, int fan_out, PhiloxRng& rng) {
  if (initializer == Initializer::GlorotUniform)
    glorot_uniform(weight, fan_in, fan_out, rng);
  else
    xavier_normal(weight, fan_in, fan_out, rng);
}

std::string initializer_name(Initializer initializer) {
  return initializer == Initializer::GlorotUniform ? "glorot_uniform" : "xavier_normal";
}

Initializer initializer_from_name(const std::string& name) {
  if (name == "glorot_uniform") return Initializer::GlorotUniform;
  if (name == "xavier_normal") return Initializer::XavierNormal;
  fail("unknown initializer '", name, "' (known: glorot_uniform, xavier_normal)");
}

}  // namespace untangle
