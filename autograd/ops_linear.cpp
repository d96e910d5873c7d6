// Dense ops on top of sgemm (kernels/cpu/gemm.h, or cuBLAS through kernels/cuda/gemm.h; same row-major
// arguments). With y = a b:  da += dy b^T,  db += a^T dy.
#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "core/check.h"
#include "kernels/cpu/broadcast.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cuda/broadcast.h"
#include "kernels/cuda/gemm.h"

namespace untangle {

namespace {

// C (M x N) = alpha op(A) op(B) + beta C on `device`.
void gemm(Device device, bool transpose_a, bool transpose_b, int M, int N, int K, float alpha, const float* A,
          int lda, const float* B, int ldb, float beta, float* C, int ldc) {
  on_device(
      device, [&] { cuda::sgemm(transpose_a, transpose_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc); },
      [&] { sgemm(transpose_a, transpose_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc); });
}

}  // namespace

Tensor matmul(Tape& tape, const Tensor& a, const Tensor& b) {
  require(a.rank() == 2 && b.rank() == 2, "matmul: expects two matrices, got ", shape_string(a.shape()),
          " and ", shape_string(b.shape()));
  const int M = a.dim(0), K = a.dim(1), N = b.dim(1);
  require(b.dim(0) == K, "matmul: inner dimensions differ: ", shape_string(a.shape()), " x ",
          shape_string(b.shape()));
  const Device device = common_device("matmul", {&a, &b});
  Tensor y = Tensor::zeros({M, N}, device);
  gemm(device, false, false, M, N, K, 1.0f, a.storage(), K, b.storage(), N, 0.0f, y.storage(), N);
  if (tape.needs_grad({&a, &b})) {
    tape.record("matmul", y, [a, b, y, M, N, K, device]() {
      if (a.requires_grad())
        gemm(device, false, true, M, K, N, 1.0f, y.grad_storage(), N, b.storage(), N, 1.0f, a.grad_storage(),
             K);
      if (b.requires_grad())
        gemm(device, true, false, K, N, M, 1.0f, a.storage(), K, y.grad_storage(), N, 1.0f, b.grad_storage(),
             N);
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
  const Device device = common_device("linear", {&x, &weight, &bias});
  // Each row of y starts as the bias (a broadcast of (out) over (B, out)); the product is added on top.
  const Broadcast rows = plan_broadcast({B, out}, {out});
  Tensor y = Tensor::zeros({B, out}, device);
  if (bias.defined())
    on_device(
        device, [&] { cuda::binary_forward(BinaryOp::Add, rows, y.storage(), bias.storage(), y.storage()); },
        [&] { binary_forward(BinaryOp::Add, rows, y.storage(), bias.storage(), y.storage()); });
  // y (B, out) = x (B, in) weight^T (in, out) + y
  gemm(device, false, true, B, out, in, 1.0f, x.storage(), in, weight.storage(), in,
       bias.defined() ? 1.0f : 0.0f, y.storage(), out);
  if (tape.needs_grad({&x, &weight, &bias})) {
    tape.record("linear", y, [x, weight, bias, y, B, in, out, rows, device]() {
      const float* gy = y.grad_storage();
      if (x.requires_grad())
        gemm(device, false, false, B, in, out, 1.0f, gy, out, weight.storage(), in, 1.0f, x.grad_storage(),
             in);
      if (weight.requires_grad())
        gemm(device, true, false, out, in, B, 1.0f, gy, out, x.storage(), in, 1.0f, weight.grad_storage(),
             in);
      if (bias.requires_grad())  // the sum of dy over the rows
        on_device(
            device,
            [&] {
              cuda::binary_backward(BinaryOp::Add, rows, y.storage(), bias.storage(), gy, nullptr,
                                    bias.grad_storage());
            },
            [&] {
              binary_backward(BinaryOp::Add, rows, y.storage(), bias.storage(), gy, nullptr,
                              bias.grad_storage());
            });
    });
  }
  return y;
}

}  // namespace untangle
