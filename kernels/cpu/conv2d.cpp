// Fast CPU convolution: im2col + sgemm over groups of images, groups spread over the cores.
//
// For a group of G images the lowered input is   col: (C*kh*kw, G*Ho*Wo)
// (row r = (c, ky, kx), column = (image in group, oy, ox)), and the three passes become GEMMs:
//   forward          Y  (O, G*Ho*Wo)     = W (O, C*kh*kw) x col
//   backward data    dcol (C*kh*kw, G*Ho*Wo) = W^T x dY,        then col2im adds dcol back into dx
//   backward weight  dW (O, C*kh*kw)     += dY x col^T          (a private dW per chunk of groups, summed in
//   order)
// Grouping images makes the GEMM wide enough to be efficient on the late, small (4x4, 8x8) layers.
// Inside the parallel loop sgemm runs single-threaded (it checks in_parallel_region()).
#include "kernels/cpu/conv2d.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/gemm.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/scratch.h"

namespace untangle {

namespace {

// Images per group: enough output pixels for a GEMM at least ~256 wide, but at most an equal share of the
// batch so every thread gets work.
int images_per_group(const Conv2dGeometry& g) {
  const int pixels = g.out_height() * g.out_width();
  const int wanted = std::max(1, (256 + pixels - 1) / pixels);
  const int threads = parallel_thread_count();
  const int share = std::max(1, (g.batch + threads - 1) / threads);
  return std::min(wanted, share);
}

// Output columns ox whose input column ox*stride - padding + kx lies inside the image: [first, last).
// Computing the range once per (kx) keeps the inner copy loops free of bounds checks.
struct ValidRange {
  int first, last;
};
ValidRange valid_outputs(int offset, int stride, int in_size, int out_size) {
  // Need 0 <= o*stride + offset < in_size.
  int first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int last = in_size - offset <= 0 ? 0 : (in_size - offset + stride - 1) / stride;
  first = std::min(first, out_size);
  last = std::max(first, std::min(last, out_size));
  return {first, last};
}

// col (rows = C*kh*kw, cols = group*Ho*Wo) from images [first, first+group) of x.
void im2col(const Conv2dGeometry& g, const float* x, int first, int group, float* col) {
  const int Ho = g.out_height(), Wo = g.out_width(), plane = Ho * Wo, width = group * plane, s = g.stride;
  for (int c = 0; c < g.in_channels; ++c)
    for (int ky = 0; ky < g.kernel_height; ++ky)
      for (int kx = 0; kx < g.kernel_width; ++kx) {
        float* row = col + size_t((c * g.kernel_height + ky) * g.kernel_width + kx) * width;
        const ValidRange cols = valid_outputs(kx - g.padding, s, g.in_width, Wo);
        const ValidRange rows = valid_outputs(ky - g.padding, s, g.in_height, Ho);
        for (int i = 0; i < group; ++i) {
          const float* image = x + (size_t(first + i) * g.in_channels + c) * g.in_height * g.in_width;
          float* out_plane = row + i * plane;
          std::fill(out_plane, out_plane + rows.first * Wo, 0.0f);
          std::fill(out_plane + rows.last * Wo, out_plane + plane, 0.0f);
          for (int oy = rows.first; oy < rows.last; ++oy) {
            float* out = out_plane + oy * Wo;
            const float* in = image + size_t(oy * s - g.padding + ky) * g.in_width + (kx - g.padding);
            std::fill(out, out + cols.first, 0.0f);
            for (int ox = cols.first; ox < cols.last; ++ox) out[ox] = in[ox * s];
            std::fill(out + cols.last, out + Wo, 0.0f);
          }
        }
      }
}

// The adjoint of im2col: adds every entry of col back into the input pixel it was copied from.
void col2im_add(const Conv2dGeometry& g, const float* col, int first, int group, float* dx) {
  const int Ho = g.out_height(), Wo = g.out_width(), plane = Ho * Wo, width = group * plane, s = g.stride;
  for (int c = 0; c < g.in_channels; ++c)
    for (int ky = 0; ky < g.kernel_height; ++ky)
      for (int kx = 0; kx < g.kernel_width; ++kx) {
        const float* row = col + size_t((c * g.kernel_height + ky) * g.kernel_width + kx) * width;
        const ValidRange cols = valid_outputs(kx - g.padding, s, g.in_width, Wo);
        const ValidRange rows = valid_outputs(ky - g.padding, s, g.in_height, Ho);
        for (int i = 0; i < group; ++i) {
          float* image = dx + (size_t(first + i) * g.in_channels + c) * g.in_height * g.in_width;
          for (int oy = rows.first; oy < rows.last; ++oy) {
            const float* in = row + i * plane + oy * Wo;
            float* out = image + size_t(oy * s - g.padding + ky) * g.in_width + (kx - g.padding);
            for (int ox = cols.first; ox < cols.last; ++ox) out[ox * s] += in[ox];
          }
        }
      }
}

// Copies dy of images [first, first+group) into a (O, group*Ho*Wo) matrix, or back (to_nchw = true).
void regroup(const Conv2dGeometry& g, int first, int group, float* nchw, float* matrix, bool to_nchw) {
  const size_t plane = size_t(g.out_height()) * g.out_width();
  for (int o = 0; o < g.out_channels; ++o)
    for (int i = 0; i < group; ++i) {
      float* image_plane = nchw + (size_t(first + i) * g.out_channels + o) * plane;
      float* matrix_part = matrix + (size_t(o) * group + i) * plane;
      if (to_nchw)
        std::copy_n(matrix_part, plane, image_plane);
      else
        std::copy_n(image_plane, plane, matrix_part);
    }
}

int patch_size(const Conv2dGeometry& g) {
  return g.in_channels * g.kernel_height * g.kernel_width;
}

// Patches narrower than the GEMM's register tile (32 columns) get the transposed weight gradient.
constexpr int kNarrowPatch = 32;

}  // namespace

void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias, float* y) {
  const int group = images_per_group(g), groups = (g.batch + group - 1) / group;
  const int K = patch_size(g), plane = g.out_height() * g.out_width();
  parallel_for(groups, [&](long long first_group, long long last_group, int) {
    float* col = thread_scratch(0, size_t(K) * group * plane);
    float* product = thread_scratch(1, size_t(g.out_channels) * group * plane);
    for (int index = int(first_group); index < int(last_group); ++index) {
      const int first = index * group, count = std::min(group, g.batch - first), width = count * plane;
      im2col(g, x, first, count, col);
      float* out = count == 1 ? y + size_t(first) * g.out_channels * plane : product;
      sgemm(false, false, g.out_channels, width, K, 1.0f, w, K, col, width, 0.0f, out, width);
      if (count > 1) regroup(g, first, count, y, product, true);
      if (bias)
        for (int i = 0; i < count; ++i)
          for (int o = 0; o < g.out_channels; ++o) {
            float* p = y + (size_t(first + i) * g.out_channels + o) * plane;
            for (int q = 0; q < plane; ++q) p[q] += bias[o];
          }
    }
  });
}

void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w, float* dx) {
  const int group = images_per_group(g), groups = (g.batch + group - 1) / group;
  const int K = patch_size(g), plane = g.out_height() * g.out_width();
  parallel_for(groups, [&](long long first_group, long long last_group, int) {
    float* dcol = thread_scratch(0, size_t(K) * group * plane);
    float* gathered = thread_scratch(1, size_t(g.out_channels) * group * plane);
    for (int index = int(first_group); index < int(last_group); ++index) {
      const int first = index * group, count = std::min(group, g.batch - first), width = count * plane;
      const float* dy_matrix = dy + size_t(first) * g.out_channels * plane;
      if (count > 1) {
        regroup(g, first, count, const_cast<float*>(dy), gathered, false);
        dy_matrix = gathered;
      }
      sgemm(true, false, K, width, g.out_channels, 1.0f, w, K, dy_matrix, width, 0.0f, dcol, width);
      std::fill_n(dx + size_t(first) * g.in_channels * g.in_height * g.in_width,
                  size_t(count) * g.in_channels * g.in_height * g.in_width, 0.0f);
      col2im_add(g, dcol, first, count, dx);
    }
  });
}

void conv2d_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                            float* dbias) {
  const int group = images_per_group(g), groups = (g.batch + group - 1) / group;
  const int K = patch_size(g), plane = g.out_height() * g.out_width();
  const size_t weight_count = size_t(g.out_channels) * K;
  // One partial gradient per chunk, added in chunk order: the same sum in the same order every run.
  const int chunks = parallel_chunk_count(groups);
  std::vector<float> partial(weight_count * chunks, 0.0f);
  parallel_for(groups, [&](long long first_group, long long last_group, int chunk) {
    float* my_dw = partial.data() + weight_count * chunk;
    float* col = thread_scratch(0, size_t(K) * group * plane);
    float* gathered = thread_scratch(1, size_t(g.out_channels) * group * plane);
    for (int index = int(first_group); index < int(last_group); ++index) {
      const int first = index * group, count = std::min(group, g.batch - first), width = count * plane;
      im2col(g, x, first, count, col);
      const float* dy_matrix = dy + size_t(first) * g.out_channels * plane;
      if (count > 1) {
        regroup(g, first, count, const_cast<float*>(dy), gathered, false);
        dy_matrix = gathered;
      }
      if (K >= kNarrowPatch) {
        sgemm(false, true, g.out_channels, K, width, 1.0f, dy_matrix, width, col, width, 1.0f, my_dw, K);
      } else {
        // A narrow patch (1-channel input, C*kh*kw = 16) would leave most of the GEMM's 32-wide register
        // tile empty; computing dW^T (K, O) = col x dY^T fills it with the output channels instead.
        sgemm(false, true, K, g.out_channels, width, 1.0f, col, width, dy_matrix, width, 1.0f, my_dw,
              g.out_channels);
      }
    }
  });
  for (size_t i = 0; i < weight_count; ++i) {
    float sum = 0.0f;
    for (int t = 0; t < chunks; ++t) sum += partial[weight_count * t + i];
    // The partial sums are (O, K), or (K, O) for a narrow patch; dw is (O, K).
    if (K >= kNarrowPatch)
      dw[i] = sum;
    else
      dw[(i % g.out_channels) * K + i / g.out_channels] = sum;
  }
  if (dbias) conv2d_bias_gradient(dy, g.batch, g.out_channels, plane, dbias);
}

void conv2d_bias_gradient(const float* dy, int batch, int channels, int plane, float* dbias) {
  // One channel per task; each channel's sum runs over images in order, a plane at a time.
  parallel_for(channels, [&](long long first, long long last, int) {
    for (long long c = first; c < last; ++c) {
      float sum = 0.0f;
      for (int n = 0; n < batch; ++n) {
        const float* p = dy + (size_t(n) * channels + c) * plane;
        // 16 running sums side by side (the compiler keeps them in one vector register), added up in
        // order at the end: vector speed with a summation order fixed by the plane's size alone.
        float lanes[16] = {};
        int q = 0;
        for (; q + 16 <= plane; q += 16)
          for (int l = 0; l < 16; ++l) lanes[l] += p[q + l];
        for (; q < plane; ++q) lanes[q % 16] += p[q];
        for (int l = 0; l < 16; ++l) sum += lanes[l];
      }
      dbias[c] = sum;
    }
  });
}

}  // namespace untangle
