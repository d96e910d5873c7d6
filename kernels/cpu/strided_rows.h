// The inner loops of im2col and col2im (kernels/cpu/conv2d.cpp): between a contiguous row and a row that
// is read (or added to) every s-th element.
//
// Every layer of the reference architectures has stride 2, where the plain loops run one scalar per
// element (the compiler does not vectorise a stride-2 access); here stride 2 moves 16 elements at a time
// with two vector loads and a shuffle. They never touch an element outside [0, (count-1)*s] of the strided
// row. Inside it, scatter_add_strided also rewrites the elements between the strided ones (with their own
// value plus 0; -0.0 becomes +0.0): the row must not be written by another thread meanwhile. conv2d.cpp's
// rows are in per-thread planes.
#pragma once

namespace untangle {

// The vector versions, for rows of at least 16 elements.
void gather_strided_long(float* out, const float* in, int count, int s);
void scatter_add_strided_long(float* out, const float* in, int count, int s);

// out[i] = in[i * s] for i in [0, count). Short rows (the 4 x 4 and 8 x 8 layers) stay inline: a call per
// row of 4 cost more than the copy.
inline void gather_strided(float* out, const float* in, int count, int s) {
  if (count >= 16) return gather_strided_long(out, in, count, s);
  for (int i = 0; i < count; ++i) out[i] = in[i * s];
}

// out[i * s] += in[i] for i in [0, count)
inline void scatter_add_strided(float* out, const float* in, int count, int s) {
  if (count >= 16) return scatter_add_strided_long(out, in, count, s);
  for (int i = 0; i < count; ++i) out[i * s] += in[i];
}

}  // namespace untangle
