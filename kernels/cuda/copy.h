// Data movement on the GPU: twins of kernels/cpu/copy.h (device pointers, `source` included; asynchronous
// on cuda::stream()).
#pragma once
#include <cstddef>

namespace untangle::cuda {

void copy_strided_rows(const float* src, size_t src_stride, size_t src_offset, float* dst, size_t dst_stride,
                       size_t dst_offset, size_t rows, size_t width, bool accumulate);
void gather_columns(const float* z, const int* source, int B, int D, float* out);
// Each source column is a permutation, so no two threads add into the same element: no atomics needed.
void scatter_add_columns(const float* d_out, const int* source, int B, int D, float* d_z);

}  // namespace untangle::cuda
