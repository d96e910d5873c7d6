// One thread per element copied; neighbouring threads take neighbouring elements of a row (coalesced).
#include "kernels/cuda/copy.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/stream.h"

namespace untangle::cuda {

namespace {

__global__ void copy_rows_kernel(const float* src, size_t src_stride, size_t src_offset, float* dst,
                                 size_t dst_stride, size_t dst_offset, size_t rows, size_t width,
                                 bool accumulate) {
  const size_t total = rows * width;
  for (size_t e = blockIdx.x * size_t(blockDim.x) + threadIdx.x; e < total;
       e += size_t(gridDim.x) * blockDim.x) {
    const size_t r = e / width, i = e % width;
    const float v = src[r * src_stride + src_offset + i];
    float& to = dst[r * dst_stride + dst_offset + i];
    to = accumulate ? to + v : v;
  }
}

__global__ void gather_columns_kernel(const float* z, const int* source, int B, int D, float* out) {
  const size_t total = size_t(B) * D;
  for (size_t e = blockIdx.x * size_t(blockDim.x) + threadIdx.x; e < total;
       e += size_t(gridDim.x) * blockDim.x) {
    const size_t i = e / D, j = e % D;
    out[e] = z[size_t(source[j * B + i]) * D + j];
  }
}

__global__ void scatter_add_columns_kernel(const float* d_out, const int* source, int B, int D, float* d_z) {
  const size_t total = size_t(B) * D;
  for (size_t e = blockIdx.x * size_t(blockDim.x) + threadIdx.x; e < total;
       e += size_t(gridDim.x) * blockDim.x) {
    const size_t i = e / D, j = e % D;
    d_z[size_t(source[j * B + i]) * D + j] += d_out[e];
  }
}

}  // namespace

void copy_strided_rows(const float* src, size_t src_stride, size_t src_offset, float* dst, size_t dst_stride,
                       size_t dst_offset, size_t rows, size_t width, bool accumulate) {
  if (rows * width == 0) return;
  copy_rows_kernel<<<blocks_for(rows * width), kThreadsPerBlock, 0, stream()>>>(
      src, src_stride, src_offset, dst, dst_stride, dst_offset, rows, width, accumulate);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::copy_strided_rows");
}

void gather_columns(const float* z, const int* source, int B, int D, float* out) {
  if (size_t(B) * D == 0) return;
  gather_columns_kernel<<<blocks_for(size_t(B) * D), kThreadsPerBlock, 0, stream()>>>(z, source, B, D, out);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::gather_columns");
}

void scatter_add_columns(const float* d_out, const int* source, int B, int D, float* d_z) {
  if (size_t(B) * D == 0) return;
  scatter_add_columns_kernel<<<blocks_for(size_t(B) * D), kThreadsPerBlock, 0, stream()>>>(d_out, source, B,
                                                                                           D, d_z);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::scatter_add_columns");
}

}  // namespace untangle::cuda
