// Reductions as raw loops (the kernel-level twins of autograd/ops_reduce.cpp's sums and logsumexp; GPU
// side in kernels/cuda/reduce.h). Every sum runs in double and is rounded to float once at the end.
//   x: (rows, cols), row-major.
#pragma once
#include <cstddef>

namespace untangle {

// out[0] = sum of all n elements
void sum_all(const float* x, size_t n, float* out);
// out[r] = sum over c of x[r, c]          out: (rows)
void sum_rows(const float* x, int rows, int cols, float* out);
// out[c] = sum over r of x[r, c]          out: (cols)   (a bias gradient)
void sum_columns(const float* x, int rows, int cols, float* out);
// out[r] = log sum over c of exp(x[r, c]), computed as max + log sum exp(x - max)   out: (rows)
void logsumexp_rows(const float* x, int rows, int cols, float* out);

// Along any axis of a tensor viewed as (outer, length, inner), where length is the reduced axis's extent,
// outer the product of the dimensions before it and inner of those after it:
//   out[o, i] = sum over l of x[o, l, i]        out: (outer, inner)
// sum_rows is (rows, cols, 1) and sum_columns is (1, rows, cols).
void sum_axis(const float* x, int outer, int length, int inner, float* out);
void logsumexp_axis(const float* x, int outer, int length, int inner, float* out);

// Backward passes, adding into gx (shaped like x, viewed as (outer, length, inner)):
//   sum:        gx[o, l, i] += factor * gy[o, i]            (factor 1 for a sum, 1/length for a mean)
//   logsumexp:  gx[o, l, i] += gy[o, i] * exp(x[o, l, i] - y[o, i])     (the softmax along the axis)
// A sum over everything is the case outer = inner = 1.
void sum_axis_backward(const float* gy, int outer, int length, int inner, float factor, float* gx);
void logsumexp_axis_backward(const float* x, const float* y, const float* gy, int outer, int length,
                             int inner, float* gx);

}  // namespace untangle
