// Fused losses: each is a single op (one pass forward, one backward) rather than a chain of primitive
// ops, because they run over every pixel of every image each step. The loops are kernels/cpu/losses.h
// (and their CUDA twins); this file adds shapes, reductions and the tape.
#include <algorithm>

#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "core/check.h"
#include "kernels/cpu/losses.h"
#include "kernels/cuda/losses.h"

namespace untangle {

namespace {

// The output of a loss: per element (None) or one scaled sum; `scale` is 1 for a sum, 1/n for a mean.
Tensor loss_output(const Tensor& input, Reduction reduction, float& scale) {
  scale = reduction == Reduction::Mean ? 1.0f / float(std::max<size_t>(input.numel(), 1)) : 1.0f;
  return Tensor::empty(reduction == Reduction::None ? input.shape() : Shape{}, input.device());
}

}  // namespace

Tensor bce_with_logits(Tape& tape, const Tensor& logits, const Tensor& targets, Reduction reduction) {
  require(logits.shape() == targets.shape(), "bce_with_logits: logits ", shape_string(logits.shape()),
          " and targets ", shape_string(targets.shape()), " differ");
  const Device device = common_device("bce_with_logits", {&logits, &targets});
  const size_t n = logits.numel();
  const bool per_element = reduction == Reduction::None;
  float scale;
  Tensor y = loss_output(logits, reduction, scale);
  const float *x = logits.storage(), *t = targets.storage();
  on_device(
      device,
      [&] {
        if (per_element)
          cuda::bce_with_logits_elementwise(x, t, y.storage(), n);
        else
          cuda::bce_with_logits_sum(x, t, n, scale, y.storage());
      },
      [&] {
        if (per_element)
          bce_with_logits_elementwise(x, t, y.storage(), n);
        else
          bce_with_logits_sum(x, t, n, scale, y.storage());
      });
  if (tape.needs_grad({&logits})) {
    // d/dx = sigmoid(x) - t (targets get no gradient)
    tape.record("bce_with_logits", y, [logits, targets, y, per_element, scale, n, device]() {
      const float *x = logits.storage(), *t = targets.storage(), *gy = y.grad_storage();
      on_device(
          device,
          [&] { cuda::bce_with_logits_backward(x, t, gy, per_element, scale, logits.grad_storage(), n); },
          [&] { bce_with_logits_backward(x, t, gy, per_element, scale, logits.grad_storage(), n); });
    });
  }
  return y;
}

Tensor mse(Tape& tape, const Tensor& prediction, const Tensor& target, Reduction reduction) {
  require(prediction.shape() == target.shape(), "mse: prediction ", shape_string(prediction.shape()),
          " and target ", shape_string(target.shape()), " differ");
  const Device device = common_device("mse", {&prediction, &target});
  const size_t n = prediction.numel();
  const bool per_element = reduction == Reduction::None;
  float scale;
  Tensor y = loss_output(prediction, reduction, scale);
  const float *p = prediction.storage(), *t = target.storage();
  on_device(
      device,
      [&] {
        if (per_element)
          cuda::mse_elementwise(p, t, y.storage(), n);
        else
          cuda::mse_sum(p, t, n, scale, y.storage());
      },
      [&] {
        if (per_element)
          mse_elementwise(p, t, y.storage(), n);
        else
          mse_sum(p, t, n, scale, y.storage());
      });
  if (tape.needs_grad({&prediction, &target})) {
    tape.record("mse", y, [prediction, target, y, per_element, scale, n, device]() {
      const float *p = prediction.storage(), *t = target.storage(), *gy = y.grad_storage();
      float* gp = prediction.requires_grad() ? prediction.grad_storage() : nullptr;
      float* gt = target.requires_grad() ? target.grad_storage() : nullptr;
      on_device(
          device, [&] { cuda::mse_backward(p, t, gy, per_element, scale, gp, gt, n); },
          [&] { mse_backward(p, t, gy, per_element, scale, gp, gt, n); });
    });
  }
  return y;
}

Tensor gaussian_kl(Tape& tape, const Tensor& mu, const Tensor& logvar) {
  require(mu.rank() == 2 && mu.shape() == logvar.shape(), "gaussian_kl: mu ", shape_string(mu.shape()),
          " and logvar ", shape_string(logvar.shape()), " must be the same (batch, latents) shape");
  const Device device = common_device("gaussian_kl", {&mu, &logvar});
  const int B = mu.dim(0), D = mu.dim(1);
  Tensor y = Tensor::empty({B}, device);
  on_device(
      device, [&] { cuda::gaussian_kl_forward(mu.storage(), logvar.storage(), B, D, y.storage()); },
      [&] { gaussian_kl_forward(mu.storage(), logvar.storage(), B, D, y.storage()); });
  if (tape.needs_grad({&mu, &logvar})) {
    // d/dmu = mu, d/dlogvar = (exp(logvar) - 1) / 2
    tape.record("gaussian_kl", y, [mu, logvar, y, B, D, device]() {
      float* gm = mu.requires_grad() ? mu.grad_storage() : nullptr;
      float* gl = logvar.requires_grad() ? logvar.grad_storage() : nullptr;
      on_device(
          device,
          [&] { cuda::gaussian_kl_backward(mu.storage(), logvar.storage(), y.grad_storage(), B, D, gm, gl); },
          [&] { gaussian_kl_backward(mu.storage(), logvar.storage(), y.grad_storage(), B, D, gm, gl); });
    });
  }
  return y;
}

}  // namespace untangle
