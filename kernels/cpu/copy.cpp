#include "kernels/cpu/copy.h"

namespace untangle {

void copy_strided_rows(const float* src, size_t src_stride, size_t src_offset, float* dst, size_t dst_stride,
                       size_t dst_offset, size_t rows, size_t width, bool accumulate) {
  for (size_t r = 0; r < rows; ++r) {
    const float* from = src + r * src_stride + src_offset;
    float* to = dst + r * dst_stride + dst_offset;
    for (size_t i = 0; i < width; ++i) to[i] = accumulate ? to[i] + from[i] : from[i];
  }
}

void gather_columns(const float* z, const int* source, int B, int D, float* out) {
  for (int i = 0; i < B; ++i)
    for (int j = 0; j < D; ++j) out[size_t(i) * D + j] = z[size_t(source[size_t(j) * B + i]) * D + j];
}

void scatter_add_columns(const float* d_out, const int* source, int B, int D, float* d_z) {
  for (int i = 0; i < B; ++i)
    for (int j = 0; j < D; ++j) d_z[size_t(source[size_t(j) * B + i]) * D + j] += d_out[size_t(i) * D + j];
}

}  // namespace untangle
