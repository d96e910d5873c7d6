// What the model tests need to recompute a model's outputs by hand in double precision: a model whose
// every parameter is random (so biases matter too), random images, a tensor as rows, a named parameter,
// and one affine layer x Wᵀ + b read from the model's own weights.
#pragma once
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "nn/model.h"

namespace untangle::testing {

using Vector = std::vector<double>;
using Matrix = std::vector<Vector>;  // rows

// Builds the model and overwrites every weight and bias with U(-0.6, 0.6).
inline std::unique_ptr<Model> randomised_model(const ModelSettings& settings, uint64_t seed = 5) {
  PhiloxRng rng(seed);
  std::unique_ptr<Model> model = make_model(settings, rng);
  const ParameterList parameters = model->parameters();
  for (const NamedTensor& p : parameters.items())
    rng.fill_uniform(p.tensor.data(), p.tensor.numel(), -0.6f, 0.6f);
  return model;
}

// `count` one-channel images of height x width with pixels U(0, 1).
inline Tensor uniform_images(uint64_t seed, int count, int height, int width) {
  PhiloxRng rng(seed);
  Tensor x = Tensor::zeros({count, 1, height, width});
  rng.fill_uniform(x.data(), x.numel(), 0.0f, 1.0f);
  return x;
}

inline Matrix rows(const Tensor& t, int columns) {
  Matrix m(t.numel() / size_t(columns), Vector(size_t(columns)));
  for (size_t i = 0; i < t.numel(); ++i) m[i / size_t(columns)][i % size_t(columns)] = t.data()[i];
  return m;
}

inline Tensor parameter(const Model& model, const std::string& name) {
  const ParameterList parameters = model.parameters();
  for (const NamedTensor& p : parameters.items())
    if (p.name == name) return p.tensor;
  FAIL("no parameter " << name);
  return {};
}

// x Wᵀ + b for the layer's W: (out, in) and b read from the model.
inline Matrix affine(const Matrix& x, const Model& model, const std::string& layer) {
  Tensor w = parameter(model, layer + ".weight"), b = parameter(model, layer + ".bias");
  const int out = w.dim(0), in = w.dim(1);
  Matrix y(x.size(), Vector(size_t(out)));
  for (size_t r = 0; r < x.size(); ++r)
    for (int o = 0; o < out; ++o) {
      double total = b.data()[o];
      for (int i = 0; i < in; ++i) total += double(w.data()[size_t(o) * in + i]) * x[r][size_t(i)];
      y[r][size_t(o)] = total;
    }
  return y;
}

}  // namespace untangle::testing
