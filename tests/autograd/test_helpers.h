// Random tensors for autograd tests, drawn from the project RNG so every run sees the same numbers.
#pragma once
#include <vector>

#include "autograd/tensor.h"
#include "kernels/cpu/philox.h"

namespace untangle::testing {

// Uniform in [low, high).
inline Tensor random_tensor(const Shape& shape, PhiloxRng& rng, float low = -1.0f, float high = 1.0f) {
  Tensor t = Tensor::zeros(shape);
  rng.fill_uniform(t.data(), t.numel(), low, high);
  return t;
}

// Values with |v| in [0.1, 1] and random sign: keeps finite differences away from the kinks of
// relu, leaky_relu and abs (the check's epsilon is 5e-3).
inline Tensor random_away_from_zero(const Shape& shape, PhiloxRng& rng) {
  Tensor t = random_tensor(shape, rng, 0.1f, 1.0f);
  for (size_t i = 0; i < t.numel(); ++i)
    if (rng.next_uniform() < 0.5f) t.data()[i] = -t.data()[i];
  return t;
}

inline Shape random_shape(PhiloxRng& rng, int min_rank = 1, int max_rank = 4, int max_dim = 5) {
  int rank = min_rank + int(rng.next_below(uint64_t(max_rank - min_rank + 1)));
  Shape s;
  for (int i = 0; i < rank; ++i) s.push_back(1 + int(rng.next_below(uint64_t(max_dim))));
  return s;
}

}  // namespace untangle::testing
