#include "nn/normalization.h"

#include "core/check.h"

namespace untangle {

namespace {

// 1 / sqrt(x) elementwise, as exp(-log(x) / 2) (there is no square-root op; x > 0 here).
Tensor reciprocal_sqrt(Tape& tape, const Tensor& x) {
  return exp(tape, scale(tape, log(tape, x), -0.5f));
}

// Overwrites `target`'s values with `values`' (same count, both on the target's device).
void assign(const Tensor& target, const Tensor& values) {
  require(target.numel() == values.numel(), "assign: ", shape_string(values.shape()), " into ",
          shape_string(target.shape()));
  copy_floats(values.storage(), values.device(), target.storage(), target.device(), target.numel());
}

// The weight as the matrix W (O, N): one row per output unit.
Tensor as_matrix(Tape& tape, const Tensor& weight) {
  return reshape(tape, weight, {weight.dim(0), -1});
}

}  // namespace

ForwardMode forward_mode_of(const Tape& tape) {
  return tape.recording() ? ForwardMode::Training : ForwardMode::Evaluation;
}

Tensor l2_normalize(Tape& tape, const Tensor& x) {
  // max(|x|², 1e-12) as relu(|x|² - 1e-12) + 1e-12, which is exact in float for |x|² near 1.
  const float floor = 1e-12f;
  Tensor squared_norm = sum(tape, square(tape, x));  // ()
  Tensor clamped = add_scalar(tape, relu(tape, add_scalar(tape, squared_norm, -floor)), floor);
  return mul(tape, x, reciprocal_sqrt(tape, clamped));
}

// ---- spectral normalisation ---------------------------------------------------------------------------

Tensor divide_by_spectral_estimate(Tape& tape, const Tensor& weight, const Tensor& u, const Tensor& v) {
  Tensor matrix = as_matrix(tape, weight);  // (O, N)
  require(u.numel() == size_t(matrix.dim(0)) && v.numel() == size_t(matrix.dim(1)), "spectral norm: u ",
          shape_string(u.shape()), " and v ", shape_string(v.shape()), " do not fit a weight of shape ",
          shape_string(weight.shape()));
  Tensor weight_times_v = linear(tape, v, matrix, Tensor());  // (1, O) = (W vᵀ)ᵀ
  Tensor sigma = sum(tape, mul(tape, weight_times_v, u));     // () = u W vᵀ
  return div(tape, weight, sigma);
}

void power_iteration(const Tensor& weight, const Tensor& u, const Tensor& v) {
  Tape untracked = Tape::evaluation();
  Tensor matrix = as_matrix(untracked, weight);                                        // (O, N)
  Tensor new_v = l2_normalize(untracked, matmul(untracked, u, matrix));                // (1, N)
  Tensor new_u = l2_normalize(untracked, linear(untracked, new_v, matrix, Tensor()));  // (1, O)
  assign(v, new_v);
  assign(u, new_u);
}

SpectralNorm::SpectralNorm(int outputs, int inputs, PhiloxRng& rng)
    : u(Tensor::zeros({1, outputs})), v(Tensor::zeros({1, inputs})) {
  Tape untracked = Tape::evaluation();
  for (const Tensor& vector : {u, v}) {
    rng.fill_normal(vector.data(), vector.numel());
    assign(vector, l2_normalize(untracked, vector));
  }
}

Tensor SpectralNorm::normalize(Tape& tape, const Tensor& weight, ForwardMode mode) const {
  if (mode == ForwardMode::Training) power_iteration(weight, u, v);
  return divide_by_spectral_estimate(tape, weight, u, v);
}

void SpectralNorm::collect_buffers(ParameterList& buffers, const std::string& prefix) const {
  buffers.add(prefix + ".u", u);
  buffers.add(prefix + ".v", v);
}

// ---- batch normalisation ------------------------------------------------------------------------------

BatchNorm::BatchNorm(int features)
    : scale(Tensor::full({features}, 1.0f)),
      bias(Tensor::zeros({features})),
      running_mean(Tensor::zeros({features})),
      running_variance(Tensor::full({features}, 1.0f)) {
  scale.set_requires_grad(true);
  bias.set_requires_grad(true);
}

Tensor BatchNorm::forward(Tape& tape, const Tensor& x, ForwardMode mode) const {
  const bool images = x.rank() == 4;
  require((x.rank() == 2 || images) && x.dim(1) == int(scale.numel()), "batch norm over ", scale.numel(),
          " features: expects (B, ", scale.numel(), ") or (N, ", scale.numel(), ", H, W), got ",
          shape_string(x.shape()));
  const int features = x.dim(1);
  // Per-feature tensors broadcast against x: (1, F) or (1, F, 1, 1).
  const Shape per_feature = images ? Shape{1, features, 1, 1} : Shape{1, features};
  auto average_per_feature = [&](const Tensor& t) {  // mean over every axis but 1, kept as per_feature
    Tensor m = mean(tape, t, 0, true);
    return images ? mean(tape, mean(tape, m, 2, true), 3, true) : m;
  };

  Tensor centered, variance;
  if (mode == ForwardMode::Training) {
    const int batch = x.dim(0);
    require(batch >= 2, "batch norm: a training batch needs at least 2 examples, got ", batch);
    Tensor batch_mean = average_per_feature(x);
    centered = sub(tape, x, batch_mean);
    variance = average_per_feature(square(tape, centered));  // biased, as tf.nn.moments
    const double per_feature_count = double(x.numel()) / features;
    double correction = per_feature_count / (per_feature_count - 1);
    if (images) correction *= double(batch) / (batch - 1);
    Tape untracked = Tape::evaluation();
    auto moved = [&](const Tensor& running, const Tensor& batch_value, double factor) {
      Tensor value = reshape(untracked, batch_value, {features});
      return add(untracked, ::untangle::scale(untracked, running, float(kMomentum)),
                 ::untangle::scale(untracked, value, float((1.0 - kMomentum) * factor)));
    };
    Tensor new_mean = moved(running_mean, batch_mean, 1.0),
           new_variance = moved(running_variance, variance, correction);
    assign(running_mean, new_mean);
    assign(running_variance, new_variance);
  } else {
    centered = sub(tape, x, reshape(tape, running_mean, per_feature));
    variance = reshape(tape, running_variance, per_feature);
  }
  Tensor normalized = mul(tape, centered, reciprocal_sqrt(tape, add_scalar(tape, variance, kEpsilon)));
  return add(tape, mul(tape, normalized, reshape(tape, scale, per_feature)),
             reshape(tape, bias, per_feature));
}

void BatchNorm::collect(ParameterList& parameters, const std::string& prefix) const {
  parameters.add(prefix + ".scale", scale);
  parameters.add(prefix + ".bias", bias);
}

void BatchNorm::collect_buffers(ParameterList& buffers, const std::string& prefix) const {
  buffers.add(prefix + ".running_mean", running_mean);
  buffers.add(prefix + ".running_variance", running_variance);
}

// ---- weight normalisation ------------------------------------------------------------------------------

Tensor normalize_rows(Tape& tape, const Tensor& kernel, float epsilon) {
  require(kernel.rank() == 2, "normalize_rows: expects (R, K), got ", shape_string(kernel.shape()));
  Tensor squared_norms = sum(tape, square(tape, kernel), 1, true);  // (R, 1)
  return mul(tape, kernel, reciprocal_sqrt(tape, add_scalar(tape, squared_norms, epsilon)));
}

}  // namespace untangle
