// Dense ops on top of sgemm. With y = a b:  da += dy b^T,  db += a^T dy.
#include "autograd/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/gemm.h"

namespace untangle {

Tensor matmul(Tape& tape, const Tensor& a, const Tensor& b) {
  require(a.rank() == 2 && b.rank() == 2, "matmul: expects two matrices, got ", shape_string(a.shape()), " and ",
          shape_string(b.shape()));
  const int M = a.dim(0), K = a.dim(1), N = b.dim(1);
  require(b.dim(0) == K, "matmul: inner dimensions differ: ", shape_string(a.shape()), " x ", shape_string(b.shape()));
  Tensor y = Tensor::zeros({M, N});
  sgemm(false, false, M, N, K, 1.0f, a.data(), K, b.data(), N, 0.0f, y.data(), N);
  if (tape.needs_grad({&a, &b})) {
    tape.record("matmul", y, [a, b, y, M, N, K]() mutable {
      if (a.requires_grad()) sgemm(false, true, M, K, N, 1.0f, y.grad(), N, b.data(), N, 1.0f, a.grad(), K);
      if (b.requires_grad()) sgemm(true, false, K, N, M, 1.0f, a.data(), K, y.grad(), N, 1.0f, b.grad(), N);
    });
  }
  return y;
}

Tensor linear(Tape& tape, const Tensor& x, const Tensor& weight, const Tensor& bias) {
  require(x.rank() == 2, "linear: input must be (batch, features), got ", shape_string(x.shape()));
  require(weight.rank() == 2, "linear: weight must be (out, in), got ", shape_string(weight.shape()));
  const int B = x.dim(0), in = x.dim(1), out = weight.dim(0);
  require(weight.dim(1) == in, "linear: input has ", in, " features, weight expects ", weight.dim(1));
  require(!bias.defined() || (bias.rank() == 1 && bias.dim(0) == out), "linear: bias must have shape (", out,
          "), got ", bias.defined() ? shape_string(bias.shape()) : "");
  Tensor y = Tensor::zeros({B, out});
  float* py = y.data();
  if (bias.defined())
    for (int r = 0; r < B; ++r)
      for (int c = 0; c < out; ++c) py[size_t(r) * out + c] = bias.data()[c];
  // y (B, out) = x (B, in) weight^T (in, out) + y
  sgemm(false, true, B, out, in, 1.0f, x.data(), in, weight.data(), in, bias.defined() ? 1.0f : 0.0f, py, out);
  if (tape.needs_grad({&x, &weight, &bias})) {
    tape.record("linear", y, [x, weight, bias, y, B, in, out]() mutable {
      const float* gy = y.grad();
      if (x.requires_grad()) sgemm(false, false, B, in, out, 1.0f, gy, out, weight.data(), in, 1.0f, x.grad(), in);
      if (weight.requires_grad()) sgemm(true, false, out, in, B, 1.0f, gy, out, x.data(), in, 1.0f, weight.grad(), in);
      if (bias.requires_grad()) {
        float* gb = bias.grad();
        for (int r = 0; r < B; ++r)
          for (int c = 0; c < out; ++c) gb[c] += gy[size_t(r) * out + c];
      }
    });
  }
  return y;
}

}  // namespace untangle
