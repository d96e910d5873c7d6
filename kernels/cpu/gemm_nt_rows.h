// C (+)= A * B^T for matrices stored as rows that are long along the shared dimension K:
//   A: (M, K) rows of stride lda,  B: (N, K) rows of stride ldb,  C: (M, N) rows of stride ldc.
//
// This is the shape of a convolution's weight gradient, dW (O, C*kh*kw) = dY (O, pixels) x col^T, where the
// sum runs over every output pixel of a group of images (hundreds to thousands) and both operands are
// already laid out along it: dY is NCHW, and im2col writes one row per (c, ky, kx). The general sgemm would
// have to transpose one operand while packing it (a scattered scalar copy: the weight gradient was the
// slowest pass of every layer). Here each 4 x 4 block of C is 16 vector accumulators fed by 4 + 4
// unit-stride loads per step along K, and the 16 vectors are summed across their lanes together at the
// end (a tree of shuffles: 4 levels for 16 lanes, instead of one horizontal sum per accumulator).
//
// Single-threaded (callers split the work). K and both strides must be multiples of kGemmNtRowsAlign
// (callers pad rows with zeros). The order of every sum depends only on K, so results repeat exactly.
#pragma once

#include "kernels/cpu/simd.h"

namespace untangle {

// The kernel's vector width in floats.
constexpr int kGemmNtRowsAlign = simd::kFloats;

// accumulate = false overwrites C; true adds to it. row_sums, when not null, gets the sum of each row of A
// added to it (row_sums[i] += A[i][0] + .. + A[i][K-1], summed lane by lane as the products are): the
// convolution's bias gradient, from the loads of dY the product makes anyway.
void sgemm_nt_rows(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                   bool accumulate, float* row_sums = nullptr);

}  // namespace untangle
