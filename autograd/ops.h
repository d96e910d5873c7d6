// Every differentiable op of untangle. Each takes the tape explicitly, computes its output, and (when
// the tape records and an input needs a gradient) records how to push gradients back to its inputs.
// Shapes are written as (N, C, H, W) for images and (B, D) for tables of vectors.
#pragma once
#include <vector>

#include "autograd/tape.h"
#include "autograd/tensor.h"
#include "kernels/cpu/activation.h"  // OutputActivation
#include "kernels/cpu/philox.h"

namespace untangle {

// ---- elementwise with broadcasting (ops_elementwise.cpp) -------------------------------------------
// Shapes broadcast as in NumPy: aligned from the right, a dimension of 1 stretches. This covers same
// shape, a one-element scalar, per-row (B, D) + (D), and per-channel (N, C, H, W) + (1, C, 1, 1).
Tensor add(Tape& tape, const Tensor& a, const Tensor& b);
Tensor sub(Tape& tape, const Tensor& a, const Tensor& b);
Tensor mul(Tape& tape, const Tensor& a, const Tensor& b);
Tensor div(Tape& tape, const Tensor& a, const Tensor& b);
Tensor add_scalar(Tape& tape, const Tensor& x, float value);  // x + value
Tensor scale(Tape& tape, const Tensor& x, float factor);      // x * factor

// ---- elementwise functions (ops_activation.cpp) ------------------------------------------------------
Tensor relu(Tape& tape, const Tensor& x);
Tensor leaky_relu(Tape& tape, const Tensor& x, float negative_slope = 0.2f);
Tensor sigmoid(Tape& tape, const Tensor& x);
Tensor tanh(Tape& tape, const Tensor& x);
Tensor exp(Tape& tape, const Tensor& x);
Tensor log(Tape& tape, const Tensor& x);
Tensor softplus(Tape& tape, const Tensor& x);  // log(1 + e^x), computed without overflow
Tensor abs(Tape& tape, const Tensor& x);       // d|x|/dx taken as 0 at x = 0
Tensor square(Tape& tape, const Tensor& x);
// The error function (2/sqrt(pi)) int_0^x e^{-t^2} dt; the normal CDF is Phi(x) = (1 + erf(x/sqrt 2)) / 2.
Tensor erf(Tape& tape, const Tensor& x);

// ---- reductions (ops_reduce.cpp) ---------------------------------------------------------------------
Tensor sum(Tape& tape, const Tensor& x);   // all elements -> shape ()
Tensor mean(Tape& tape, const Tensor& x);  // all elements -> shape ()
Tensor sum(Tape& tape, const Tensor& x, int axis, bool keep_dim = false);
Tensor mean(Tape& tape, const Tensor& x, int axis, bool keep_dim = false);
// log(sum(exp(x))) along an axis, stabilised by subtracting the maximum first.
Tensor logsumexp(Tape& tape, const Tensor& x, int axis, bool keep_dim = false);

// ---- dense and convolution layers (ops_linear.cpp, ops_conv.cpp) --------------------------------------
// a: (M, K), b: (K, N) -> (M, N)
Tensor matmul(Tape& tape, const Tensor& a, const Tensor& b);
// x: (B, in), weight: (out, in), bias: (out) or undefined -> (B, out) = x weight^T + bias
Tensor linear(Tape& tape, const Tensor& x, const Tensor& weight, const Tensor& bias);
// x: (N, C, H, W), weight: (O, C, kh, kw), bias: (O) or undefined -> (N, O, Ho, Wo).
// activation = OutputActivation::Relu gives relu(conv2d(...)) in one op, the ReLU fused into the output's
// store (the same numbers as the two ops, one pass over memory fewer).
Tensor conv2d(Tape& tape, const Tensor& x, const Tensor& weight, const Tensor& bias, int stride, int padding,
              OutputActivation activation = OutputActivation::None);
// The adjoint of conv2d (a "deconvolution"), PyTorch's ConvTranspose2d:
// x: (N, C, H, W), weight: (C, O, kh, kw), bias: (O) or undefined -> (N, O, (H-1)*stride - 2*padding + kh,
// ...); the activation as for conv2d (fused into the bias's pass).
Tensor conv_transpose2d(Tape& tape, const Tensor& x, const Tensor& weight, const Tensor& bias, int stride,
                        int padding, OutputActivation activation = OutputActivation::None);

// ---- shape (ops_shape.cpp) --------------------------------------------------------------------------
Tensor reshape(Tape& tape, const Tensor& x, Shape shape);  // one dimension may be -1
Tensor flatten(Tape& tape, const Tensor& x);               // (N, ...) -> (N, rest)
Tensor concat(Tape& tape, const std::vector<Tensor>& parts, int axis);
Tensor slice(Tape& tape, const Tensor& x, int axis, int start, int end);  // [start, end) along axis
// z: (B, D). Each column is permuted across the batch by its own random permutation (FactorVAE's
// "permute dims" sample from the product of marginals).
Tensor shuffle_columns(Tape& tape, const Tensor& z, PhiloxRng& rng);
// x: (B, D). The rows in a random order, one permutation for every column (PCL's negatives: each row is
// paired with another row's partner). Drawn on the host from `rng` (Fisher-Yates, as shuffle_columns).
Tensor permute_rows(Tape& tape, const Tensor& x, PhiloxRng& rng);

// ---- linear filters (ops_box_blur.cpp) -----------------------------------------------------------------
// x: (N, C, H, W) -> (N, C, H, W). Each channel is averaged over the (2r+1) x (2r+1) box around each
// pixel, with zeros outside the image and the fixed weight 1/(2r+1)^2 (a 'same' zero-padded
// convolution, as disent's box_r31 kernel). Computed exactly with running sums along rows, then columns.
Tensor box_blur(Tape& tape, const Tensor& x, int radius);

// ---- random tensors (random.cpp) -----------------------------------------------------------------------
// Standard normal values drawn from `rng`'s stream, on `device`: the same numbers on the CPU and on a GPU
// (the CUDA fill computes the same Philox blocks), and `rng` advances by the same amount either way.
Tensor normal_noise(const Shape& shape, Device device, PhiloxRng& rng);

// ---- gradient flow (ops_stop_gradient.cpp) ------------------------------------------------------------
// The same values with no path back to x: gradients of anything computed from the result stop here
// (TensorFlow's stop_gradient). Used where one loss must not train another loss's parameters.
Tensor stop_gradient(const Tensor& x);

// ---- losses (ops_loss.cpp) --------------------------------------------------------------------------
enum class Reduction { None, Sum, Mean };
// Binary cross-entropy of sigmoid(logits) against targets in [0, 1] (targets get no gradient):
// max(x, 0) - x t + log(1 + e^-|x|), the overflow-free form.
Tensor bce_with_logits(Tape& tape, const Tensor& logits, const Tensor& targets, Reduction reduction);
// (prediction - target)^2; both arguments can receive gradients.
Tensor mse(Tape& tape, const Tensor& prediction, const Tensor& target, Reduction reduction);
// KL( N(mu, exp(logvar)) || N(0, I) ) per example: mu, logvar: (B, D) -> (B),
// 0.5 * sum_j (mu_j^2 + exp(logvar_j) - logvar_j - 1).
Tensor gaussian_kl(Tape& tape, const Tensor& mu, const Tensor& logvar);

}  // namespace untangle
