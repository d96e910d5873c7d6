// Reductions on the GPU: twins of kernels/cpu/reduce.h (device pointers; outputs stay on the device).
// Every sum runs in double in a fixed order (the same bits every run): one block per output, and a sum over
// a whole array in two passes over the whole GPU (two_pass_sum.cuh).
//   x: (rows, cols), row-major.
#pragma once
#include <cstddef>

namespace untangle::cuda {

void sum_all(const float* x, size_t n, float* out);                   // out: (1)
void sum_rows(const float* x, int rows, int cols, float* out);        // out: (rows)
void sum_columns(const float* x, int rows, int cols, float* out);     // out: (cols)
void logsumexp_rows(const float* x, int rows, int cols, float* out);  // out: (rows)
// x viewed as (outer, length, inner), reduced over length -> out: (outer, inner); see kernels/cpu/reduce.h.
void sum_axis(const float* x, int outer, int length, int inner, float* out);
void logsumexp_axis(const float* x, int outer, int length, int inner, float* out);
// The backward passes (they add into gx, shaped like x): see kernels/cpu/reduce.h.
void sum_axis_backward(const float* gy, int outer, int length, int inner, float factor, float* gx);
void logsumexp_axis_backward(const float* x, const float* y, const float* gy, int outer, int length,
                             int inner, float* gx);

}  // namespace untangle::cuda
