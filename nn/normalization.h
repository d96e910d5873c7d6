// The normalisations of Shu et al.'s weak GAN (google-research weak_disentangle/tensorsketch/normalization/:
// spectral_normalization.py, batch_normalization.py, weight_normalization.py), composed from autograd ops.
//
//   spectral norm  W / σ(W), σ(W) ≈ the largest singular value of W seen as a matrix (rows = output units),
//                  estimated by one power iteration per training pass from persistent vectors u, v
//                  (Miyato et al. 2018). The vectors are constants for the gradient (the reference's
//                  stop_gradient), so σ's gradient is u vᵀ.
//   batch norm     (x - mean) / sqrt(variance + 1e-5) * scale + bias per feature (channel), with the batch's
//                  biased statistics in training and running statistics in evaluation.
//   weight norm    each row of a kernel divided by sqrt(|row|² + epsilon) (no learned gain: gan.gin sets
//                  weight_normalization.add.scale = False, epsilon = 1e-3).
//
// State that is not trained (u, v; the running statistics) is a buffer: a model lists it in buffers() so
// checkpoints hold it. Only a training pass changes it; an evaluation pass reads it.
#pragma once
#include <string>

#include "autograd/ops.h"
#include "nn/parameters.h"

namespace untangle {

// Whether a forward pass trains (batch statistics, power iterations: the buffers advance) or evaluates
// (stored statistics and vectors; nothing changes). A recording tape is a training pass, an evaluation tape
// (Tape::evaluation()) an evaluation pass; the weak GAN's training step also runs training passes on an
// evaluation tape where it needs no gradient (its discriminator step's fake images).
enum class ForwardMode { Training, Evaluation };
ForwardMode forward_mode_of(const Tape& tape);

// x / max(|x|, 1e-6): tf.math.l2_normalize over every element (it clamps |x|² at 1e-12). x: any shape.
Tensor l2_normalize(Tape& tape, const Tensor& x);

// ---- spectral normalisation ---------------------------------------------------------------------------
// weight: (O, ...) seen as the matrix W (O, N), N = numel / O;  u: (1, O), v: (1, N) unit rows.
// -> weight / σ with σ = u W vᵀ, where u and v are constants (no gradient reaches them).
Tensor divide_by_spectral_estimate(Tape& tape, const Tensor& weight, const Tensor& u, const Tensor& v);
// One power iteration in place (tensorsketch's order): v <- l2_normalize(u W), then u <- l2_normalize(v Wᵀ).
// Repeated, u W vᵀ converges to W's largest singular value. No tape: u and v are overwritten on their device.
void power_iteration(const Tensor& weight, const Tensor& u, const Tensor& v);

class SpectralNorm {
 public:
  SpectralNorm() = default;
  // For a weight with `outputs` rows and `inputs` values per row; u and v start as normalised N(0, I) draws.
  SpectralNorm(int outputs, int inputs, PhiloxRng& rng);
  // Training: one power iteration first, then weight / σ; evaluation: weight / σ from the stored u, v.
  Tensor normalize(Tape& tape, const Tensor& weight, ForwardMode mode) const;
  void collect_buffers(ParameterList& buffers, const std::string& prefix) const;  // prefix.u, prefix.v
  Tensor u, v;                                                                    // (1, O), (1, N)
};

// ---- batch normalisation ------------------------------------------------------------------------------
// Over (B, F) tables or (N, F, H, W) images, one mean and variance per feature F (over B, or over N, H, W).
// Training normalises with the batch's biased statistics and moves the running ones towards them:
//   running_mean     <- 0.9 running_mean + 0.1 mean
//   running_variance <- 0.9 running_variance + 0.1 variance · n/(n-1) · (images ? N/(N-1) : 1)
// with n the values per feature: the unbiased variance, and for images once more × N/(N-1). That second
// factor is the reference's quirk: tensorsketch rescales by the batch size the variance that TensorFlow's
// fused (image) batch norm already returns unbiased. Evaluation normalises with the running statistics.
class BatchNorm {
 public:
  static constexpr double kMomentum = 0.9;
  static constexpr float kEpsilon = 1e-5f;

  BatchNorm() = default;
  explicit BatchNorm(int features);  // scale 1, bias 0; running mean 0, running variance 1
  Tensor forward(Tape& tape, const Tensor& x, ForwardMode mode) const;            // x: (B, F) or (N, F, H, W)
  void collect(ParameterList& parameters, const std::string& prefix) const;       // prefix.scale, prefix.bias
  void collect_buffers(ParameterList& buffers, const std::string& prefix) const;  // prefix.running_*
  Tensor scale, bias;                                                             // (F), trained
  Tensor running_mean, running_variance;                                          // (F), buffers
};

// ---- weight normalisation ------------------------------------------------------------------------------
// kernel: (R, K) -> each row divided by sqrt(|row|² + epsilon), (R, K).
Tensor normalize_rows(Tape& tape, const Tensor& kernel, float epsilon);

}  // namespace untangle
