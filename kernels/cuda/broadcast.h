// Binary elementwise ops with broadcasting on the GPU: twins of kernels/cpu/broadcast.h (same plan, same
// formulas; device pointers, asynchronous on cuda::stream()).
#pragma once
#include "kernels/cpu/broadcast.h"

namespace untangle::cuda {

void binary_forward(BinaryOp op, const Broadcast& plan, const float* a, const float* b, float* out);
// One thread per element of each input that needs a gradient; it sums, in double and in a fixed order,
// every output element it was broadcast to (no atomics, the same bits every run). A stretched input
// (a scalar, a per-channel bias) thus has few threads each walking many outputs: simple, not fast.
void binary_backward(BinaryOp op, const Broadcast& plan, const float* a, const float* b, const float* d_out,
                     float* d_a, float* d_b);

}  // namespace untangle::cuda
