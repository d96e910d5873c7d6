// Reconstruction losses and the KL term, with the reductions of both reference codebases.
//
//   bernoulli   sigmoid cross-entropy on the decoder's logits (disentanglement_lib losses.py
//               bernoulli_loss; targets may be any value in [0, 1]):  max(l, 0) - l x + log(1 + e^-|l|)
//   mse         (x_hat - x)^2 on the decoder's raw outputs (disent's "mse")
//   mse_box     disent's augmented loss mse_box_r31_l1.0_k3969.0 (disent's
//   frameworks/helper/reconstructions.py; docs/models.md):
//               per element  pixel_weight (x_hat - x)^2 + blur_weight (K x_hat - K x)^2,
//               K = the 63x63 'same' zero-padded box blur (radius 31), blur_weight = 63^2 = 3969.
// Reductions (one setting for the reconstruction and the KL term, as each codebase does both the same way):
//   sum   sum over the pixels (over the latents for KL) of each example, mean over the batch —
//   disentanglement_lib mean  mean over every element B*C*H*W (B*D for KL) — disent's loss_reduction=mean
#pragma once
#include <string>

#include "autograd/ops.h"
#include "nn/architectures.h"

namespace untangle {

enum class ReconstructionKind { Bernoulli, Mse, MseBoxBlur };
enum class LossReduction { Sum, Mean };

struct ReconstructionSettings {
  ReconstructionKind kind = ReconstructionKind::Bernoulli;
  LossReduction reduction = LossReduction::Sum;
  int blur_radius = 31;         // mse_box: the box is (2r+1) x (2r+1)
  float pixel_weight = 1.0f;    // mse_box: the "l1.0" of the loss name
  float blur_weight = 3969.0f;  // mse_box: the "k3969.0" of the loss name
};

// Names as used in settings and on the command line: "bernoulli", "mse", "mse_box"; "sum", "mean".
ReconstructionKind reconstruction_kind_from_name(const std::string& name);
std::string reconstruction_kind_name(ReconstructionKind kind);
LossReduction loss_reduction_from_name(const std::string& name);
std::string loss_reduction_name(LossReduction reduction);

// output: the decoder's output (B, C, H, W) (logits for bernoulli), target: the batch (B, C, H, W) -> scalar.
Tensor reconstruction_loss(Tape& tape, const Tensor& output, const Tensor& target,
                           const ReconstructionSettings& settings);

// The decoder output as an image in data space: sigmoid(logits) for bernoulli, the output itself otherwise.
Tensor output_to_image(Tape& tape, const Tensor& output, ReconstructionKind kind);

// KL( N(mean, exp(log_variance)) || N(0, I) ) reduced as above: mean over the batch of the per-example
// sum over latents (sum), or the mean over batch and latents (mean). -> scalar
Tensor kl_divergence(Tape& tape, const GaussianCode& code, LossReduction reduction);

// z = mean + exp(log_variance / 2) * eps, eps ~ N(0, I): one fill_normal of B*D numbers from `rng`, in
// row-major (B, D) order (tests reproduce the noise by drawing from a copy of the generator). -> (B, D)
Tensor sample_gaussian(Tape& tape, const GaussianCode& code, PhiloxRng& rng);

}  // namespace untangle
