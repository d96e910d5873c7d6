// The kernel-level twins of the op table's rows (tests/common/op_cases.h): each computes an op's output
// and input gradients by calling the CPU kernels directly — the raw loops of kernels/cpu/activation.h,
// broadcast.h, reduce.h, copy.h and losses.h, or the naive *_reference versions of the fast GEMM and
// convolution kernels (kernels/cpu/gemm.h, conv2d.h) — so the op's own wiring is checked against them.
#pragma once
#include <cstdint>

#include "kernels/cpu/activation.h"
#include "kernels/cpu/broadcast.h"
#include "op_cases.h"

namespace untangle::testing {

CpuTwin activation_twin(Activation f, float slope = 0.2f);
CpuTwin binary_twin(BinaryOp op);
CpuTwin binary_with_scalar_twin(BinaryOp op, float value);  // add_scalar and scale: x op value

CpuTwin sum_all_twin(bool mean);                   // sum(x) or mean(x): sum_all, then the backward view
CpuTwin sum_along_axis_twin(int axis, bool mean);  // sum(x, axis) or mean(x, axis)
CpuTwin logsumexp_twin(int axis);

CpuTwin matmul_reference_twin();                // sgemm_reference
CpuTwin linear_reference_twin(bool with_bias);  // sgemm_reference, and sum_columns for the bias
CpuTwin conv2d_reference_twin(int stride, int padding);
CpuTwin conv_transpose2d_reference_twin(int stride, int padding);
// The twin of an op with a fused ReLU (conv2d's OutputActivation::Relu) from the twin of the op alone:
// output relu(pre), and the upstream gradient zeroed where pre <= 0 before it goes through `twin`.
CpuTwin with_fused_relu(CpuTwin twin);

// concat of the inputs listed in `parts` (indices into the row's inputs; one may repeat) along `axis`.
CpuTwin concat_twin(std::vector<int> parts, int axis);
CpuTwin slice_twin(int axis, int start, int end);
// The permutations are drawn from PhiloxRng(seed) the way the ops draw them (Fisher-Yates from the last
// row down, one permutation per column, or one for every column).
CpuTwin shuffle_columns_twin(uint64_t seed);
CpuTwin permute_rows_twin(uint64_t seed);

CpuTwin mse_twin(Reduction reduction);
CpuTwin bce_with_logits_twin(Reduction reduction);
CpuTwin gaussian_kl_twin();

// One permutation of 0..count-1 drawn from `rng` as shuffle_columns and permute_rows draw theirs.
std::vector<int> fisher_yates_permutation(int count, PhiloxRng& rng);

}  // namespace untangle::testing
