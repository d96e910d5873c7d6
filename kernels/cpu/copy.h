// Data movement as raw loops (GPU twin: kernels/cuda/copy.h): the kernels under autograd/ops_shape.cpp's
// concat, slice and shuffle_columns. reshape and flatten move no data.
#pragma once
#include <cstddef>

namespace untangle {

// For r < rows and i < width: dst[r * dst_stride + dst_offset + i] = (or +=, when accumulate)
// src[r * src_stride + src_offset + i].
// Concat and slice along an axis are this copy with rows = the product of the dimensions before the axis
// and width = (extent along the axis) x (product of the dimensions after it):
//   concat forward: each part into the output at its offset; backward: the output gradient's slab added
//   back into the part's gradient. slice forward: the slab out of x; backward: added into x's gradient.
void copy_strided_rows(const float* src, size_t src_stride, size_t src_offset, float* dst, size_t dst_stride,
                       size_t dst_offset, size_t rows, size_t width, bool accumulate);

// z, out: (B, D). Column j of out is column j of z with its rows permuted: out[i, j] = z[source[j * B + i],
// j] (source holds one permutation of 0..B-1 per column, laid out column by column).
void gather_columns(const float* z, const int* source, int B, int D, float* out);
// The backward pass: d_z[source[j * B + i], j] += d_out[i, j].
void scatter_add_columns(const float* d_out, const int* source, int B, int D, float* d_z);

}  // namespace untangle
