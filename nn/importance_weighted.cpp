#include "nn/importance_weighted.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace untangle {

namespace {

constexpr double kLogTwoPi = 1.8378770664093453;
constexpr double kLogPi = 1.1447298858494002;

// log p(x | z) per example: output (B, C, H, W) decoder output, x the same shape -> B values
std::vector<double> log_likelihood(Tape& tape, const Tensor& output, const Tensor& x,
                                   ReconstructionKind kind) {
  const int B = x.dim(0);
  const int pixels = int(x.numel() / size_t(B));
  Tensor per_pixel;
  if (kind == ReconstructionKind::Bernoulli)
    per_pixel = bce_with_logits(tape, output, x, Reduction::None);
  else if (kind == ReconstructionKind::Mse)
    per_pixel = mse(tape, output, x, Reduction::None);
  else
    fail("importance-weighted log p(x): the '", reconstruction_kind_name(kind),
         "' loss is not a normalised likelihood (use bernoulli or mse)");
  std::vector<float> per_example = sum(tape, reshape(tape, per_pixel, {B, pixels}), 1).to_vector();
  const double constant = kind == ReconstructionKind::Mse ? 0.5 * pixels * kLogPi : 0.0;
  std::vector<double> values(static_cast<size_t>(B));
  for (int b = 0; b < B; ++b) values[size_t(b)] = -double(per_example[size_t(b)]) - constant;
  return values;
}

}  // namespace

std::vector<double> importance_weighted_log_likelihood(const Model& model, const Tensor& x, int samples,
                                                       PhiloxRng& rng) {
  require(samples >= 1, "importance-weighted log p(x): needs at least 1 sample, got ", samples);
  require(model.has_decoder(), "importance-weighted log p(x): model '", model.settings().model,
          "' has no decoder");
  const int B = x.dim(0);
  Tape tape = Tape::evaluation();
  const Tensor inputs = x.to(model.device());
  GaussianCode code = model.encode(tape, inputs);
  const std::vector<float> mean = code.mean.to_vector(), log_variance = code.log_variance.to_vector();
  const int D = code.mean.dim(1);
  std::vector<double> log_weights(size_t(samples) * size_t(B));  // (K, B)
  for (int k = 0; k < samples; ++k) {
    Tensor z = sample_gaussian(tape, code, rng);
    const std::vector<double> log_px_z =
        log_likelihood(tape, model.decode(tape, z), inputs, model.settings().reconstruction.kind);
    const std::vector<float> log_pz = sum(tape, model.prior_log_density(tape, z), 1).to_vector();
    const std::vector<float> zs = z.to_vector();
    for (int b = 0; b < B; ++b) {
      double log_qz = 0.0;  // log q(z | x) in double from the sample and the posterior
      for (int d = 0; d < D; ++d) {
        const size_t i = size_t(b) * D + d;
        const double diff = double(zs[i]) - mean[i];
        log_qz -= 0.5 * (diff * diff * std::exp(-double(log_variance[i])) + log_variance[i] + kLogTwoPi);
      }
      log_weights[size_t(k) * B + b] = log_px_z[size_t(b)] + log_pz[size_t(b)] - log_qz;
    }
  }
  std::vector<double> estimates(static_cast<size_t>(B));
  for (int b = 0; b < B; ++b) {
    double largest = -INFINITY;
    for (int k = 0; k < samples; ++k) largest = std::max(largest, log_weights[size_t(k) * B + b]);
    double total = 0.0;
    for (int k = 0; k < samples; ++k) total += std::exp(log_weights[size_t(k) * B + b] - largest);
    estimates[size_t(b)] = largest + std::log(total / samples);
  }
  return estimates;
}

}  // namespace untangle
