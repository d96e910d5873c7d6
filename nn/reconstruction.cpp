// Facts: disentanglement_lib methods/shared/losses.py and vae.py; disent
// frameworks/helper/reconstructions.py, latent_distributions.py and the box-blur kernel
// (docs/reference/models.md "Reconstruction losses").
#include "nn/reconstruction.h"

#include "core/check.h"

namespace untangle {

ReconstructionKind reconstruction_kind_from_name(const std::string& name) {
  if (name == "bernoulli") return ReconstructionKind::Bernoulli;
  if (name == "mse") return ReconstructionKind::Mse;
  if (name == "mse_box") return ReconstructionKind::MseBoxBlur;
  fail("unknown reconstruction loss '", name, "' (known: bernoulli, mse, mse_box)");
}

std::string reconstruction_kind_name(ReconstructionKind kind) {
  switch (kind) {
    case ReconstructionKind::Bernoulli: return "bernoulli";
    case ReconstructionKind::Mse: return "mse";
    case ReconstructionKind::MseBoxBlur: return "mse_box";
  }
  return "?";
}

LossReduction loss_reduction_from_name(const std::string& name) {
  if (name == "sum") return LossReduction::Sum;
  if (name == "mean") return LossReduction::Mean;
  fail("unknown loss reduction '", name, "' (known: sum, mean)");
}

std::string loss_reduction_name(LossReduction reduction) {
  return reduction == LossReduction::Sum ? "sum" : "mean";
}

namespace {

// Sum of all elements divided by the batch size (sum) or by the element count (mean).
Tensor reduce(Tape& tape, const Tensor& total, size_t batch, size_t elements, LossReduction reduction) {
  return scale(tape, total, 1.0f / float(reduction == LossReduction::Sum ? batch : elements));
}

}  // namespace

Tensor reconstruction_loss(Tape& tape, const Tensor& output, const Tensor& target,
                           const ReconstructionSettings& s) {
  require(output.shape() == target.shape(), "reconstruction loss: decoder output ",
          shape_string(output.shape()), " and batch ", shape_string(target.shape()), " differ");
  const size_t batch = size_t(output.dim(0)), elements = output.numel();
  switch (s.kind) {
    case ReconstructionKind::Bernoulli:
      return reduce(tape, bce_with_logits(tape, output, target, Reduction::Sum), batch, elements,
                    s.reduction);
    case ReconstructionKind::Mse:
      return reduce(tape, mse(tape, output, target, Reduction::Sum), batch, elements, s.reduction);
    case ReconstructionKind::MseBoxBlur: {
      // The blur is linear, so K x_hat - K x = K (x_hat - x): one blur per step instead of two.
      Tensor difference = sub(tape, output, target);               // (B, C, H, W)
      Tensor pixel_term = sum(tape, square(tape, difference));     // scalar
      Tensor blurred = box_blur(tape, difference, s.blur_radius);  // (B, C, H, W)
      Tensor blur_term = sum(tape, square(tape, blurred));         // scalar
      Tensor total =
          add(tape, scale(tape, pixel_term, s.pixel_weight), scale(tape, blur_term, s.blur_weight));
      return reduce(tape, total, batch, elements, s.reduction);
    }
  }
  fail("reconstruction loss: unhandled kind");
}

Tensor output_to_image(Tape& tape, const Tensor& output, ReconstructionKind kind) {
  return kind == ReconstructionKind::Bernoulli ? sigmoid(tape, output) : output;
}

Tensor kl_divergence(Tape& tape, const GaussianCode& code, LossReduction reduction) {
  Tensor per_example = gaussian_kl(tape, code.mean, code.log_variance);  // (B)
  const size_t batch = size_t(code.mean.dim(0));
  return reduce(tape, sum(tape, per_example), batch, code.mean.numel(), reduction);
}

Tensor sample_gaussian(Tape& tape, const GaussianCode& code, PhiloxRng& rng) {
  Tensor noise = normal_noise(code.mean.shape(), code.mean.device(), rng);  // (B, D), no gradient
  Tensor standard_deviation = exp(tape, scale(tape, code.log_variance, 0.5f));
  return add(tape, code.mean, mul(tape, standard_deviation, noise));
}

}  // namespace untangle
