// Fast CPU convolution: im2col + matrix products over groups of images, groups spread over the cores.
// The larger layers go to the direct kernels of conv2d_phase.h instead (each pass below asks first, by the
// rules there); what stays here is the small late layers and the shallow layers' weight gradients.
//
// For a group of G images the lowered input is   col: (C*kh*kw, G*Ho*Wo)
// (row r = (c, ky, kx), column = (image in group, oy, ox)), and the three passes become matrix products:
//   forward          Y  (O, G*Ho*Wo)     = W (O, C*kh*kw) x col                       (sgemm)
//   backward data    dcol (C*kh*kw, G*Ho*Wo) = W^T x dY, then col2im adds dcol back into dx  (sgemm)
//   backward weight  dW (O, C*kh*kw)     = dY x col^T    (sgemm_nt_rows: both operands are read along the
//                    pixels as they lie; a private dW per chunk of groups, summed in order; the bias
//                    gradient, the sums of dY's rows, from the same loads)
// Grouping images makes the products wide enough to be efficient on the late, small (4x4, 8x8) layers.
// Inside the parallel loop sgemm runs single-threaded (it checks in_parallel_region()). The lowered
// matrices come from per-thread scratch buffers (kernels/cpu/scratch.h), so no call allocates or zero-fills
// them (only the small per-chunk weight-gradient sums and the padded planes' borders are zeroed).
#include "kernels/cpu/conv2d.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "kernels/cpu/conv2d_phase.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_nt_rows.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/phase_layout.h"
#include "kernels/cpu/scratch.h"
#include "kernels/cpu/simd.h"
#include "kernels/cpu/strided_rows.h"

namespace untangle {

namespace {

// Images per group: enough output pixels for a GEMM at least `min_width` wide, but at most an equal share
// of the batch so every thread gets work.
int images_per_group(const Conv2dGeometry& g, int min_width = 256) {
  const int pixels = g.out_height() * g.out_width();
  const int wanted = std::max(1, (min_width + pixels - 1) / pixels);
  const int threads = parallel_thread_count();
  const int share = std::max(1, (g.batch + threads - 1) / threads);
  return std::min(wanted, share);
}

int patch_size(const Conv2dGeometry& g) {
  return g.in_channels * g.kernel_height * g.kernel_width;
}

// One input plane with its zero border made explicit: (H + 2*padding) x (W + 2*padding) values. im2col reads
// its windows from here and col2im adds into it, so neither needs a bounds check or a zero-fill pass over the
// lowered matrix: every row of a window is a plain strided copy.
struct PaddedPlane {
  int height, width;
  float* data;  // thread scratch

  explicit PaddedPlane(const Conv2dGeometry& g)
      : height(g.in_height + 2 * g.padding), width(g.in_width + 2 * g.padding) {
    data = thread_scratch(kScratchPlanes, size_t(height) * width);
    std::fill(data, data + size_t(height) * width, 0.0f);  // the border stays zero from here on
  }
  float* row(int y) { return data + size_t(y) * width; }
  // Copies an image plane into the interior (the border is untouched).
  void load(const float* image, const Conv2dGeometry& g) {
    for (int y = 0; y < g.in_height; ++y)
      std::copy_n(image + size_t(y) * g.in_width, g.in_width, row(y + g.padding) + g.padding);
  }
  // Copies the interior out to an image plane, and zeroes it for the next one.
  void store_and_clear(float* image, const Conv2dGeometry& g) {
    for (int y = 0; y < g.in_height; ++y) {
      float* interior = row(y + g.padding) + g.padding;
      std::copy_n(interior, g.in_width, image + size_t(y) * g.in_width);
    }
    std::fill(data, data + size_t(height) * width, 0.0f);
  }
};

// The row of col for (c, ky, kx) and image i of the group.
float* col_row(const Conv2dGeometry& g, float* col, int ld, int c, int ky, int kx, int i) {
  const int plane = g.out_height() * g.out_width();
  return col + size_t((c * g.kernel_height + ky) * g.kernel_width + kx) * ld + size_t(i) * plane;
}

// Lowering through the image's stride-phase planes (phase_layout.h): each image is split once, and every
// row of a tap's window is then a plain copy of a contiguous run, instead of a gather of every s-th pixel
// for each tap. Measured against the gathers (2 threads, batch 64, alternating runs): im2col made the
// 1-channel 64 -> 32 weight pass 7% faster and the padded 8 x 8 -> 4 x 4 and 9 x 9 -> 5 x 5 weight and
// forward products 6-10%; col2im made burgess's 64 -> 33 backward data 11% faster but the 8 x 8 -> 4 x 4
// one 18% slower (short rows added into the planes, then interleaved back). Without padding the gathers
// read the image in place, and stay.
bool im2col_through_planes_applies(const Conv2dGeometry& g) {
  return g.stride > 1 && (g.out_width() >= simd::kFloats || (g.padding > 0 && g.out_width() >= 4));
}
bool col2im_through_planes_applies(const Conv2dGeometry& g) {
  return g.stride > 1 && g.out_width() >= simd::kFloats;
}

// g's layout if `applies`, else none: built once per pass (its tap table has C*kh*kw entries).
std::optional<PhaseLayout> phase_layout_if(bool applies, const Conv2dGeometry& g) {
  return applies ? std::optional<PhaseLayout>(g) : std::nullopt;
}

// out[0, n) = in[0, n) for n >= 4: whole vectors (or 4-float quads, for rows shorter than a vector), the
// last one ending at n (overlapping the one before it). A call to memmove per row cost more than the copy.
void copy_run(const float* in, int n, float* out) {
  if (n < simd::kFloats) {
    int i = 0;
    for (; i + 4 <= n; i += 4) simd::store(out + i, simd::load<simd::Quad>(in + i));
    if (i < n) simd::store(out + n - 4, simd::load<simd::Quad>(in + n - 4));
    return;
  }
  int i = 0;
  for (; i + simd::kFloats <= n; i += simd::kFloats) simd::store(out + i, simd::load(in + i));
  if (i < n) simd::store(out + n - simd::kFloats, simd::load(in + n - simd::kFloats));
}

// out[0, n) += in[0, n)
void add_run(const float* in, int n, float* out) {
  int i = 0;
  for (; i + simd::kFloats <= n; i += simd::kFloats)
    simd::store(out + i, simd::load(out + i) + simd::load(in + i));
  for (; i < n; ++i) out[i] += in[i];
}

size_t image_size(const Conv2dGeometry& g) {
  return size_t(g.in_channels) * g.in_height * g.in_width;
}

// im2col's rows from the planes: row (tap r, image i) is the Ho x Wo window of tap r's view.
void im2col_through_planes(const Conv2dGeometry& g, const PhaseLayout& phases, const float* x, int first,
                           int group, float* col, int ld) {
  const int Ho = g.out_height(), Wo = g.out_width(), plane = Ho * Wo;
  float* planes = thread_scratch(kScratchPlanes, phases.floats);
  // Loading an image writes only the planes' interior: the padding stays zero.
  std::fill(planes, planes + phases.floats, 0.0f);
  for (int i = 0; i < group; ++i) {
    phases.load(x + size_t(first + i) * image_size(g), planes);
    for (int r = 0; r < patch_size(g); ++r)
      for (int oy = 0; oy < Ho; ++oy)
        copy_run(planes + phases.taps[r] + size_t(oy) * phases.plane_width, Wo,
                 col + size_t(r) * ld + size_t(i) * plane + size_t(oy) * Wo);
  }
}

// col2im's adjoint of that: the rows added into the planes' views, the planes then interleaved into dx.
void col2im_through_planes(const Conv2dGeometry& g, const PhaseLayout& phases, const float* col, int ld,
                           int first, int group, float* dx) {
  const int Ho = g.out_height(), Wo = g.out_width(), plane = Ho * Wo;
  float* planes = thread_scratch(kScratchPlanes, phases.floats);
  for (int i = 0; i < group; ++i) {
    std::fill(planes, planes + phases.floats, 0.0f);  // each image's gradient is summed from zero
    for (int r = 0; r < patch_size(g); ++r)
      for (int oy = 0; oy < Ho; ++oy)
        add_run(col + size_t(r) * ld + size_t(i) * plane + size_t(oy) * Wo, Wo,
                planes + phases.taps[r] + size_t(oy) * phases.plane_width);
    phases.store(planes, dx + size_t(first + i) * image_size(g));
  }
}

// Kernel 2, stride 2, no padding (dislib's 16 -> 8 and 8 -> 4 layers): every input pixel lies in exactly
// one window, so im2col is a permutation of the input (row y's even and odd pixels are row y/2 of taps
// (c, y%2, 0) and (c, y%2, 1)) and col2im its inverse: an interleaving write, with no sums and no padded
// plane to fill and clear (5-6% faster backward data on those layers). im2col keeps its gathers, which
// write one lowered row at a time: splitting each input row into two lowered rows measured 5-8% slower.
bool col2im_by_interleaving(const Conv2dGeometry& g) {
  return g.stride == 2 && g.kernel_height == 2 && g.kernel_width == 2 && g.padding == 0 &&
         g.in_height % 2 == 0 && g.in_width % 2 == 0;
}

// col2im for those layers: image row y of channel c interleaves row y/2 of taps (c, y%2, 0) and (c, y%2, 1).
void col2im_interleaving(const Conv2dGeometry& g, const float* col, int ld, int first, int group, float* dx) {
  const int Wo = g.out_width();
  for (int i = 0; i < group; ++i)
    for (int c = 0; c < g.in_channels; ++c)
      for (int y = 0; y < g.in_height; ++y) {
        const size_t at = size_t(y / 2) * Wo;
        float* evens = col_row(g, const_cast<float*>(col), ld, c, y % 2, 0, i) + at;
        float* odds = col_row(g, const_cast<float*>(col), ld, c, y % 2, 1, i) + at;
        interleave_pairs(evens, odds, Wo,
                         dx + ((size_t(first + i) * g.in_channels + c) * g.in_height + y) * g.in_width);
      }
}

// col (rows = C*kh*kw, cols = group*Ho*Wo) from images [first, first+group) of x. Rows are `ld` floats
// apart; columns from group*Ho*Wo up to ld are set to zero (padding for sgemm_nt_rows). `phases`: g's
// layout when im2col_through_planes_applies(g).
void im2col(const Conv2dGeometry& g, const std::optional<PhaseLayout>& phases, const float* x, int first,
            int group, float* col, int ld) {
  const int Ho = g.out_height(), Wo = g.out_width(), s = g.stride, width = group * Ho * Wo;
  for (int r = 0; r < patch_size(g); ++r)
    std::fill(col + size_t(r) * ld + width, col + size_t(r + 1) * ld, 0.0f);
  if (im2col_through_planes_applies(g)) return im2col_through_planes(g, *phases, x, first, group, col, ld);
  // Without padding every window lies inside the image: its rows are read where they are.
  std::optional<PaddedPlane> padded;
  if (g.padding > 0) padded.emplace(g);
  for (int i = 0; i < group; ++i)
    for (int c = 0; c < g.in_channels; ++c) {
      const float* image = x + (size_t(first + i) * g.in_channels + c) * g.in_height * g.in_width;
      if (padded) padded->load(image, g);
      for (int ky = 0; ky < g.kernel_height; ++ky)
        for (int kx = 0; kx < g.kernel_width; ++kx) {
          float* out = col_row(g, col, ld, c, ky, kx, i);
          for (int oy = 0; oy < Ho; ++oy) {
            const int y = oy * s + ky;
            const float* in = padded ? padded->row(y) : image + size_t(y) * g.in_width;
            gather_strided(out + oy * Wo, in + kx, Wo, s);
          }
        }
    }
}

// The adjoint of im2col: every entry of col added back into the input pixel it was copied from. Writes
// (not adds) images [first, first+group) of dx. `phases`: g's layout when col2im_through_planes_applies(g).
void col2im(const Conv2dGeometry& g, const std::optional<PhaseLayout>& phases, const float* col, int ld,
            int first, int group, float* dx) {
  if (col2im_through_planes_applies(g)) return col2im_through_planes(g, *phases, col, ld, first, group, dx);
  if (col2im_by_interleaving(g)) return col2im_interleaving(g, col, ld, first, group, dx);
  const int Ho = g.out_height(), Wo = g.out_width(), s = g.stride;
  PaddedPlane padded(g);
  for (int i = 0; i < group; ++i)
    for (int c = 0; c < g.in_channels; ++c) {
      for (int ky = 0; ky < g.kernel_height; ++ky)
        for (int kx = 0; kx < g.kernel_width; ++kx) {
          const float* in = col_row(g, const_cast<float*>(col), ld, c, ky, kx, i);
          for (int oy = 0; oy < Ho; ++oy)
            scatter_add_strided(padded.row(oy * s + ky) + kx, in + oy * Wo, Wo, s);
        }
      padded.store_and_clear(dx + (size_t(first + i) * g.in_channels + c) * g.in_height * g.in_width, g);
    }
}

// Copies dy of images [first, first+group) into a (O, group*Ho*Wo) matrix with rows `ld` floats apart, or
// back (to_nchw = true). Copying in, columns past group*Ho*Wo are set to zero.
void regroup(const Conv2dGeometry& g, int first, int group, float* nchw, float* matrix, int ld,
             bool to_nchw) {
  const size_t plane = size_t(g.out_height()) * g.out_width();
  for (int o = 0; o < g.out_channels; ++o) {
    if (!to_nchw) std::fill(matrix + size_t(o) * ld + group * plane, matrix + size_t(o + 1) * ld, 0.0f);
    for (int i = 0; i < group; ++i) {
      float* image_plane = nchw + (size_t(first + i) * g.out_channels + o) * plane;
      float* matrix_part = matrix + size_t(o) * ld + size_t(i) * plane;
      if (to_nchw)
        std::copy_n(matrix_part, plane, image_plane);
      else
        std::copy_n(image_plane, plane, matrix_part);
    }
  }
}

// Output pixels per group in the weight gradient (see conv2d_backward_weight).
constexpr int kWeightGroupWidth = 1024;

// The sum of p[0, n): 16 running sums side by side (the compiler keeps them in one vector register), added
// up in order at the end: vector speed with a summation order fixed by n alone.
float lane_sum(const float* p, int n) {
  float lanes[16] = {};
  int q = 0;
  for (; q + 16 <= n; q += 16)
    for (int l = 0; l < 16; ++l) lanes[l] += p[q + l];
  for (; q < n; ++q) lanes[q % 16] += p[q];
  float sum = 0.0f;
  for (int l = 0; l < 16; ++l) sum += lanes[l];
  return sum;
}

int round_up(int n, int multiple) {
  return (n + multiple - 1) / multiple * multiple;
}

// The output's activation, on n floats the product has just stored (a group's O x pixels, mostly still in
// cache: not a pass over memory of its own, as a separate ReLU's was). The compiler vectorises the loop.
void activate(float* p, size_t n, OutputActivation activation) {
  if (activation == OutputActivation::Relu)
    for (size_t i = 0; i < n; ++i) p[i] = p[i] > 0.0f ? p[i] : 0.0f;
}

}  // namespace

void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias, float* y,
                    OutputActivation activation) {
  if (conv2d_phase_kernels_apply(g)) return conv2d_forward_phase(g, x, w, bias, y, activation);
  const int group = images_per_group(g), groups = (g.batch + group - 1) / group;
  const int K = patch_size(g), plane = g.out_height() * g.out_width();
  const auto phases = phase_layout_if(im2col_through_planes_applies(g), g);
  parallel_for(groups, [&](long long first_group, long long last_group, int) {
    float* col = thread_scratch(kScratchLowered, size_t(K) * group * plane);
    float* product = thread_scratch(kScratchRegrouped, size_t(g.out_channels) * group * plane);
    for (int index = int(first_group); index < int(last_group); ++index) {
      const int first = index * group, count = std::min(group, g.batch - first), width = count * plane;
      im2col(g, phases, x, first, count, col, width);
      float* out = count == 1 ? y + size_t(first) * g.out_channels * plane : product;
      if (bias)  // the bias goes in as the product is stored, not in a pass of its own
        sgemm_bias(false, false, g.out_channels, width, K, w, K, col, width, bias, out, width);
      else
        sgemm(false, false, g.out_channels, width, K, 1.0f, w, K, col, width, 0.0f, out, width);
      activate(out, size_t(g.out_channels) * width, activation);
      if (count > 1) regroup(g, first, count, y, product, width, true);
    }
  });
}

void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w, float* dx) {
  if (conv2d_phase_kernels_apply(g)) return conv2d_backward_data_phase(g, dy, w, dx);
  const int group = images_per_group(g), groups = (g.batch + group - 1) / group;
  const int K = patch_size(g), plane = g.out_height() * g.out_width();
  const auto phases = phase_layout_if(col2im_through_planes_applies(g), g);
  parallel_for(groups, [&](long long first_group, long long last_group, int) {
    float* dcol = thread_scratch(kScratchLowered, size_t(K) * group * plane);
    float* gathered = thread_scratch(kScratchRegrouped, size_t(g.out_channels) * group * plane);
    for (int index = int(first_group); index < int(last_group); ++index) {
      const int first = index * group, count = std::min(group, g.batch - first), width = count * plane;
      const float* dy_matrix = dy + size_t(first) * g.out_channels * plane;
      if (count > 1) {
        regroup(g, first, count, const_cast<float*>(dy), gathered, width, false);
        dy_matrix = gathered;
      }
      sgemm(true, false, K, width, g.out_channels, 1.0f, w, K, dy_matrix, width, 0.0f, dcol, width);
      col2im(g, phases, dcol, width, first, count, dx);
    }
  });
}

void conv2d_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                            float* dbias) {
  if (conv2d_phase_weight_kernel_applies(g)) return conv2d_backward_weight_phase(g, x, dy, dw, dbias);
  // dW (O, K) = dY (O, pixels) x col^T summed over the pixels of a group: sgemm_nt_rows reads both along the
  // pixels, as they lie. Wider groups than the other passes: its lane sums are paid once per group.
  const int group = images_per_group(g, kWeightGroupWidth), groups = (g.batch + group - 1) / group;
  const int K = patch_size(g), plane = g.out_height() * g.out_width(), O = g.out_channels;
  const size_t weight_count = size_t(O) * K, per_chunk = weight_count + O;  // dW, then dbias
  const int ld = round_up(group * plane, kGemmNtRowsAlign);
  // One partial gradient per chunk, added in chunk order: the same sum in the same order every run.
  const int chunks = parallel_chunk_count(groups);
  std::vector<float> partial(per_chunk * chunks, 0.0f);
  const auto phases = phase_layout_if(im2col_through_planes_applies(g), g);
  parallel_for(groups, [&](long long first_group, long long last_group, int chunk) {
    float* my_dw = partial.data() + per_chunk * chunk;
    float* my_db = my_dw + weight_count;
    float* col = thread_scratch(kScratchLowered, size_t(K) * ld);
    float* gathered = thread_scratch(kScratchRegrouped, size_t(O) * ld);
    for (int index = int(first_group); index < int(last_group); ++index) {
      const int first = index * group, count = std::min(group, g.batch - first);
      const int width = round_up(count * plane, kGemmNtRowsAlign);
      im2col(g, phases, x, first, count, col, width);
      const float* dy_matrix = dy + size_t(first) * O * plane;
      int ldy = plane;
      if (count > 1 || plane % kGemmNtRowsAlign != 0) {  // NCHW rows are not a padded matrix: regroup
        regroup(g, first, count, const_cast<float*>(dy), gathered, width, false);
        dy_matrix = gathered;
        ldy = width;
      }
      // The bias gradient is the sums of dY's rows: the product adds them up from the loads it makes.
      sgemm_nt_rows(O, K, width, dy_matrix, ldy, col, width, my_dw, K, true, dbias ? my_db : nullptr);
    }
  });
  for (size_t i = 0; i < per_chunk; ++i) {
    float sum = 0.0f;
    for (int t = 0; t < chunks; ++t) sum += partial[per_chunk * t + i];
    if (i < weight_count)
      dw[i] = sum;
    else if (dbias)
      dbias[i - weight_count] = sum;
  }
}

void conv2d_add_bias(float* y, const float* bias, int batch, int channels, int plane,
                     OutputActivation activation) {
  parallel_for(static_cast<long long>(batch) * channels, [&](long long first, long long last, int) {
    for (long long index = first; index < last; ++index) {
      float* p = y + size_t(index) * plane;
      if (bias) {
        const float b = bias[index % channels];
        for (int q = 0; q < plane; ++q) p[q] += b;
      }
      activate(p, plane, activation);  // the plane just read: still in cache
    }
  });
}

void conv2d_bias_gradient(const float* dy, int batch, int channels, int plane, float* dbias) {
  // One channel per task; each channel's sum runs over images in order, a plane at a time.
  parallel_for(channels, [&](long long first, long long last, int) {
    for (long long c = first; c < last; ++c) {
      float sum = 0.0f;
      for (int n = 0; n < batch; ++n) {
        sum += lane_sum(dy + (size_t(n) * channels + c) * plane, plane);
      }
      dbias[c] = sum;
    }
  });
}

}  // namespace untangle
