// Fused losses: each is a single op (one pass forward, one backward) rather than a chain of primitive
// ops, because they run over every pixel of every image each step.
#include <cmath>

#include "autograd/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/parallel.h"

namespace untangle {

namespace {

constexpr long long kMinPerThread = 1 << 14;  // elements per thread before splitting a loop

// Reduces elementwise losses to the requested output; scale is the per-element weight of the gradient.
Tensor reduce_loss(const std::vector<float>& per_element, const Shape& shape, Reduction reduction, float& scale) {
  if (reduction == Reduction::None) {
    scale = 1.0f;
    return Tensor::from_vector(per_element, shape);
  }
  double total = 0.0;
  for (float v : per_element) total += v;
  scale = reduction == Reduction::Mean ? 1.0f / float(std::max<size_t>(per_element.size(), 1)) : 1.0f;
  return Tensor::scalar(float(total * scale));
}

// Gradient of the output element that element i contributes to: per element for None, shared otherwise.
inline float output_grad(const float* gy, Reduction reduction, long long i) {
  return reduction == Reduction::None ? gy[i] : gy[0];
}

}  // namespace

Tensor bce_with_logits(Tape& tape, const Tensor& logits, const Tensor& targets, Reduction reduction) {
  require(logits.shape() == targets.shape(), "bce_with_logits: logits ", shape_string(logits.shape()),
          " and targets ", shape_string(targets.shape()), " differ");
  const long long n = (long long)logits.numel();
  const float *x = logits.data(), *t = targets.data();
  std::vector<float> loss(static_cast<size_t>(n));
  parallel_for(n, [&](long long begin, long long end, int) {
    for (long long i = begin; i < end; ++i)
      loss[size_t(i)] = std::max(x[i], 0.0f) - x[i] * t[i] + std::log1p(std::exp(-std::abs(x[i])));
  }, kMinPerThread);
  float scale;
  Tensor y = reduce_loss(loss, logits.shape(), reduction, scale);
  if (tape.needs_grad({&logits})) {
    // d/dx = sigmoid(x) - t
    tape.record("bce_with_logits", y, [logits, targets, y, reduction, scale, n]() mutable {
      const float *x = logits.data(), *t = targets.data(), *gy = y.grad();
      float* gx = logits.grad();
      parallel_for(n, [&](long long begin, long long end, int) {
        for (long long i = begin; i < end; ++i)
          gx[i] += output_grad(gy, reduction, i) * scale * (1.0f / (1.0f + std::exp(-x[i])) - t[i]);
      }, kMinPerThread);
    });
  }
  return y;
}

Tensor mse(Tape& tape, const Tensor& prediction, const Tensor& target, Reduction reduction) {
  require(prediction.shape() == target.shape(), "mse: prediction ", shape_string(prediction.shape()), " and target ",
          shape_string(target.shape()), " differ");
  const long long n = (long long)prediction.numel();
  const float *p = prediction.data(), *t = target.data();
  std::vector<float> loss(static_cast<size_t>(n));
  for (long long i = 0; i < n; ++i) loss[size_t(i)] = (p[i] - t[i]) * (p[i] - t[i]);
  float scale;
  Tensor y = reduce_loss(loss, prediction.shape(), reduction, scale);
  if (tape.needs_grad({&prediction, &target})) {
    tape.record("mse", y, [prediction, target, y, reduction, scale, n]() mutable {
      const float *p = prediction.data(), *t = target.data(), *gy = y.grad();
      float* gp = prediction.requires_grad() ? prediction.grad() : nullptr;
      float* gt = target.requires_grad() ? target.grad() : nullptr;
      for (long long i = 0; i < n; ++i) {
        float g = output_grad(gy, reduction, i) * scale * 2.0f * (p[i] - t[i]);
        if (gp) gp[i] += g;
        if (gt) gt[i] -= g;
      }
    });
  }
  return y;
}

Tensor gaussian_kl(Tape& tape, const Tensor& mu, const Tensor& logvar) {
  require(mu.rank() == 2 && mu.shape() == logvar.shape(), "gaussian_kl: mu ", shape_string(mu.shape()),
          " and logvar ", shape_string(logvar.shape()), " must be the same (batch, latents) shape");
  const int B = mu.dim(0), D = mu.dim(1);
  Tensor y = Tensor::zeros({B});
  for (int b = 0; b < B; ++b) {
    double total = 0.0;
    for (int j = 0; j < D; ++j) {
      float m = mu.data()[size_t(b) * D + j], lv = logvar.data()[size_t(b) * D + j];
      total += m * m + std::exp(lv) - lv - 1.0f;
    }
    y.data()[b] = float(0.5 * total);
  }
  if (tape.needs_grad({&mu, &logvar})) {
    // d/dmu = mu, d/dlogvar = (exp(logvar) - 1) / 2
    tape.record("gaussian_kl", y, [mu, logvar, y, B, D]() mutable {
      const float* gy = y.grad();
      float* gm = mu.requires_grad() ? mu.grad() : nullptr;
      float* gl = logvar.requires_grad() ? logvar.grad() : nullptr;
      for (int b = 0; b < B; ++b)
        for (int j = 0; j < D; ++j) {
          size_t i = size_t(b) * D + j;
          if (gm) gm[i] += gy[b] * mu.data()[i];
          if (gl) gl[i] += gy[b] * 0.5f * (std::exp(logvar.data()[i]) - 1.0f);
        }
    });
  }
  return y;
}

}  // namespace untangle
