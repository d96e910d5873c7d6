// See conv2d_phase.h.
#include "kernels/cpu/conv2d_phase.h"

#include <algorithm>
#include <vector>

#include "core/check.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/phase_layout.h"
#include "kernels/cpu/scratch.h"
#include "kernels/cpu/simd.h"

namespace untangle {

namespace {

using simd::load;
using simd::store;
using simd::Vec;
constexpr int kV = simd::kFloats;

// Which layers the kernels take (see conv2d_phase_kernels_apply and conv2d_phase_weight_kernel_applies).
// With ragged rows, forward and backward data need more than kMaxShallowTaps taps (a flat run's copy-out
// is then small next to its products) and kMinPixels per image (each image is swept on its own; below
// that, the im2col path, which groups images into one wide product, wins).
constexpr int kMaxShallowTaps = 64;
constexpr int kMinPixels = 256;
// The weight pass transposes dy once per image for every tap: it pays with many taps, and its sweeps
// (a group of images per tap block) need enough pixels per image.
constexpr int kMinWeightTaps = 512;
constexpr int kMinWeightPixels = 64;

// The pixels a tile covers: kRows output rows x kCols vectors, from (oy, x0) on. Rows of two vectors or
// more are covered two vectors of one row at a time; rows of one vector (with AVX-512, the 32 x 32 -> 16 x
// 16 layers) two rows at a time: either way 2 vectors, and 16 accumulators for 8 channels or taps.
template <int kRows, int kCols>
struct Span {
  static constexpr int kVectors = kRows * kCols;
  // Where vector v starts, in floats from the tile's first pixel, in rows `row_length` floats apart.
  static size_t offset(int v, int row_length) { return size_t(v / kCols) * row_length + (v % kCols) * kV; }
};

// The product both the forward and the backward-data tiles form: kA rows x one span of vectors,
//   acc[a][v] = sum over q < depth of coef[a * coef_a + q * coef_q] * (vector v of the span at source(q)),
// each coefficient broadcast, each source vector loaded once for all kA rows: 2 loads and 8 broadcasts per
// 16 FMAs with kA = 8 and a span of 2 vectors, like the SGEMM's micro-kernel. Every loop over a and v is
// unrolled, so each acc[a][v] is a register of its own (as in gemm.cpp's micro-kernel: a rolled loop leaves
// the array on the stack, loaded and stored around every tile).
template <int kA, class S, class Source>
inline void accumulate_tile(int depth, const Source& source, int row_length, const float* coef, size_t coef_a,
                            size_t coef_q, Vec (&acc)[kA][S::kVectors]) {
  constexpr int kX = S::kVectors;
#pragma GCC unroll 16
  for (int a = 0; a < kA; ++a)
#pragma GCC unroll 4
    for (int v = 0; v < kX; ++v) acc[a][v] = Vec{};
  for (int q = 0; q < depth; ++q) {
    const float* from = source(q);
    Vec x[kX];
#pragma GCC unroll 4
    for (int v = 0; v < kX; ++v) {
      x[v] = load(from + S::offset(v, row_length));
      simd::keep_in_register(x[v]);  // shared by kA FMAs: one load, not kA (see simd.h)
    }
#pragma GCC unroll 16
    for (int a = 0; a < kA; ++a) {
      const Vec c = simd::broadcast(coef[a * coef_a + q * coef_q]);
#pragma GCC unroll 4
      for (int v = 0; v < kX; ++v) acc[a][v] += c * x[v];
    }
  }
}

// Both tiles stay calls of their own (noinline): when GCC inlined the forward tile into its pass's loop, the
// accumulators no longer all fitted in registers (1.2x slower on the 32 -> 16 forward; a change elsewhere in
// the file had tipped the decision). A call costs little next to a tile's K x 16 FMAs.
//
// Forward: kO output channels x one span, summed over all K taps (the rows: channels, the depth: taps).
// `in` is the planes shifted to the span's first output pixel, `w` the first channel's weights (rows of K),
// `y` the first channel's output at that pixel (channels `channel_stride` floats apart). A fused ReLU is
// applied in registers, on the way to the store.
template <int kO, class S>
[[gnu::noinline]] void forward_tile(int K, const float* in, int in_row, const int* taps, const float* w,
                                    const float* bias, bool relu, float* y, int out_row,
                                    size_t channel_stride) {
  Vec acc[kO][S::kVectors];
  accumulate_tile<kO, S>(
      K, [&](int r) { return in + taps[r]; }, in_row, w, K, 1, acc);
#pragma GCC unroll 16
  for (int o = 0; o < kO; ++o) {
    const Vec b = simd::broadcast(bias ? bias[o] : 0.0f);
#pragma GCC unroll 4
    for (int v = 0; v < S::kVectors; ++v) {
      const Vec out = acc[o][v] + b;
      store(y + o * channel_stride + S::offset(v, out_row), relu ? simd::relu(out) : out);
    }
  }
}

// Backward data: for kT taps and one span of dy, the gradient of the lowered rows (what im2col's dcol would
// hold: the sum over all O channels of w[o][tap] * dy[o]; the rows: taps, the depth: channels) is formed in
// registers and added where those taps read, into the planes of dx: a view per tap, so each add is a plain
// vector add. `dy` is channel 0 at the span's first pixel, channels `channel_stride` apart; `w` and `taps`
// start at the first tap; `planes` is shifted to the span's first output pixel.
template <int kT, class S>
[[gnu::noinline]] void data_tile(int O, int K, const float* dy, int dy_row, size_t channel_stride,
                                 const float* w, const int* taps, float* planes, int plane_row) {
  Vec acc[kT][S::kVectors];
  accumulate_tile<kT, S>(
      O, [&](int o) { return dy + o * channel_stride; }, dy_row, w, 1, K, acc);
#pragma GCC unroll 16
  for (int t = 0; t < kT; ++t)
#pragma GCC unroll 4
    for (int v = 0; v < S::kVectors; ++v) {
      float* out = planes + taps[t] + S::offset(v, plane_row);
      store(out, load(out) + acc[t][v]);
    }
}

// Calls tile(Span type, oy, x0) over output rows [oy, oy + rows) (rows: 1, or 2 when Wo is one vector),
// covering each with spans of 2 vectors where they fit and 1 where they do not.
template <class Tile>
void cover_rows(int Wo, int oy, int rows, const Tile& tile) {
  if (rows == 2) return tile(Span<2, 1>{}, oy, 0);
  int x0 = 0;
  for (; x0 + 2 * kV <= Wo; x0 += 2 * kV) tile(Span<1, 2>{}, oy, x0);
  if (x0 < Wo) tile(Span<1, 1>{}, oy, x0);  // Wo is a multiple of kV: one vector left
}

// Walks the output rows of an image for cover_rows: in pairs when a row is a single vector.
template <class Tile>
void cover_image(int Ho, int Wo, const Tile& tile) {
  const int step = Wo == kV ? 2 : 1;
  int oy = 0;
  for (; oy + step <= Ho; oy += step) cover_rows(Wo, oy, step, tile);
  for (; oy < Ho; ++oy) cover_rows(Wo, oy, 1, tile);
}

// Ragged rows (Wo not a multiple of the vector width) are covered as flat runs instead: with the output
// computed at every plane column (Wq per row; the Wq - Wo past a row's end read the next row's start and are
// dropped), a run of pixels is one contiguous run of every view, row ends and all. Runs are 2 vectors.
constexpr int kRun = 2 * kV;
using FlatRun = Span<1, 2>;

// Output pixels [j0, j0 + kRun) (flat, rows of Wq) of kO channels, stored to y row segment by row segment.
template <int kO>
void forward_flat_run(const Conv2dGeometry& g, const PhaseLayout& layout, const float* planes, const float* w,
                      const float* bias, bool relu, float* y, int j0) {
  const int Wq = layout.plane_width, Wo = g.out_width(), end = std::min(j0 + kRun, g.out_height() * Wq);
  const size_t channel_stride = size_t(g.out_height()) * Wo;
  alignas(64) float run[kO][kRun];
  forward_tile<kO, FlatRun>(int(layout.taps.size()), planes + j0, 0, layout.taps.data(), w, bias, relu,
                            &run[0][0], 0, kRun);
  for (int j = j0; j < end;) {
    const int oy = j / Wq, ox = j % Wq, n = std::min(Wq - ox, end - j);
    if (ox < Wo)
      for (int o = 0; o < kO; ++o)
        std::copy_n(&run[o][j - j0], std::min(n, Wo - ox), y + o * channel_stride + size_t(oy) * Wo + ox);
    j += n;
  }
}

// dy of one image spread to rows of Wq (zero past column Wo, and past the last row up to `length`), so a
// flat run of it lines up with the flat runs of the views. The zeros are written once per buffer.
void spread_rows(const Conv2dGeometry& g, int Wq, int length, const float* dy_image, float* rows) {
  const int Ho = g.out_height(), Wo = g.out_width();
  for (int o = 0; o < g.out_channels; ++o)
    for (int oy = 0; oy < Ho; ++oy)
      std::copy_n(dy_image + (size_t(o) * Ho + oy) * Wo, Wo, rows + size_t(o) * length + size_t(oy) * Wq);
}

// Backward weight, output channels in lanes: dw[o][r] summed over the pixels p of a group of images of
// view_r[p] * dy[o][p], for kT taps and kOV vectors of channels. `dyt` holds each image's dy transposed
// (pixel-major: a pixel's O channels are contiguous, so kOV loads give them all), `image_dyt` floats apart;
// each tap's pixel is one broadcast from the image's planes, `image_planes` floats apart. The accumulators
// (rows of O per tap in `acc`) stay in registers over the whole group.
template <int kT, int kOV>
void weight_tile(const Conv2dGeometry& g, int images, const float* dyt, size_t image_dyt, const float* planes,
                 size_t image_planes, int plane_row, const int* taps, float* acc) {
  const int O = g.out_channels, Ho = g.out_height(), Wo = g.out_width();
  Vec sum[kT][kOV];  // unrolled loops: registers (see forward_tile)
#pragma GCC unroll 16
  for (int t = 0; t < kT; ++t)
#pragma GCC unroll 4
    for (int v = 0; v < kOV; ++v) sum[t][v] = load(acc + size_t(t) * O + v * kV);
  for (int i = 0; i < images; ++i)
    for (int oy = 0; oy < Ho; ++oy)
      for (int ox = 0; ox < Wo; ++ox) {
        const float* channels = dyt + i * image_dyt + (size_t(oy) * Wo + ox) * O;
        const float* pixel = planes + i * image_planes + size_t(oy) * plane_row + ox;
        Vec d[kOV];
#pragma GCC unroll 4
        for (int v = 0; v < kOV; ++v) {
          d[v] = load(channels + v * kV);
          simd::keep_in_register(d[v]);
        }
#pragma GCC unroll 16
        for (int t = 0; t < kT; ++t) {
          const Vec x = simd::broadcast(pixel[taps[t]]);
#pragma GCC unroll 4
          for (int v = 0; v < kOV; ++v) sum[t][v] += x * d[v];
        }
      }
#pragma GCC unroll 16
  for (int t = 0; t < kT; ++t)
#pragma GCC unroll 4
    for (int v = 0; v < kOV; ++v) store(acc + size_t(t) * O + v * kV, sum[t][v]);
}

// All taps and channels of a group of images: blocks of 8 taps x 2 channel vectors (when O is a multiple of
// 2 vectors) or 16 taps x 1, then the taps left one at a time.
void weight_group(const Conv2dGeometry& g, const PhaseLayout& layout, int images, const float* dyt,
                  const float* planes, float* acc) {
  const int O = g.out_channels, K = int(layout.taps.size());
  const size_t image_dyt = size_t(O) * g.out_height() * g.out_width(), image_planes = layout.floats;
  const int* taps = layout.taps.data();
  const int row = layout.plane_width;
  const bool channel_pairs = O % (2 * kV) == 0;
  const int vectors = channel_pairs ? 2 : 1, block = channel_pairs ? 8 : 16;
  for (int o = 0; o < O; o += vectors * kV) {
    int r = 0;
    for (; r + block <= K; r += block) {
      float* at = acc + size_t(r) * O + o;
      if (channel_pairs)
        weight_tile<8, 2>(g, images, dyt + o, image_dyt, planes, image_planes, row, taps + r, at);
      else
        weight_tile<16, 1>(g, images, dyt + o, image_dyt, planes, image_planes, row, taps + r, at);
    }
    for (; r < K; ++r)
      for (int v = 0; v < vectors; ++v)
        weight_tile<1, 1>(g, images, dyt + o + v * kV, image_dyt, planes, image_planes, row, taps + r,
                          acc + size_t(r) * O + o + v * kV);
  }
}

// The weight pass's images per group: as many as fit this many floats (planes and transposed dy: 256 KiB,
// well inside L2), so that small images share one sweep per tap block; at most an equal share of the batch
// per thread.
constexpr size_t kWeightGroupFloats = 64 * 1024;

int weight_group_size(const Conv2dGeometry& g, const PhaseLayout& layout) {
  const size_t per_image = layout.floats + size_t(g.out_channels) * g.out_height() * g.out_width();
  const int threads = parallel_thread_count(), share = std::max(1, (g.batch + threads - 1) / threads);
  return std::max(1, std::min(share, int(kWeightGroupFloats / per_image)));
}

// Calls body(first, block) over [0, n) in order: blocks of 8 (block = true), then the ones left one at a
// time (the output channels of the forward tiles, the taps of the backward-data tiles).
template <class Body>
void for_blocks_of_8(int n, const Body& body) {
  for (int i = 0; i < n; i += (n - i >= 8 ? 8 : 1)) body(i, n - i >= 8);
}

// dy of one image transposed to pixel-major (a pixel's O channels contiguous), for the weight pass.
void transpose_dy(const float* dy_image, int O, int pixels, float* dyt) {
  for (int o = 0; o < O; ++o)
    for (int p = 0; p < pixels; ++p) dyt[size_t(p) * O + o] = dy_image[size_t(o) * pixels + p];
}

}  // namespace

bool conv2d_phase_kernels_apply(const Conv2dGeometry& g) {
  if (g.out_width() % kV == 0) return true;
  // Ragged rows: flat runs pay a copy per run and per row end, and images of few pixels give short sweeps
  // (measured slower than im2col on burgess's 64 -> 33 layer with 16 taps, and on the 9 x 9, 8 x 8 and
  // smaller outputs; faster on its 33 -> 17 layer, 512 taps).
  return g.in_channels * g.kernel_height * g.kernel_width > kMaxShallowTaps &&
         g.out_height() * g.out_width() >= kMinPixels;
}

bool conv2d_phase_weight_kernel_applies(const Conv2dGeometry& g) {
  // Measured on the reference layers: faster than im2col with 512 or more taps and 64 or more pixels per
  // image (dislib's 32 -> 16 and 16 -> 8 decoder geometries, burgess's 33 -> 17 and 17 -> 9), slower with
  // 128 taps (dislib's 16 -> 8 encoder layer) or 16 and 25 pixels (the 8 -> 4 and 9 -> 5 layers), and with
  // 16 taps (the transposition then costs as much as the products: 2x slower on the 1-channel layer).
  return g.out_channels % kV == 0 && g.in_channels * g.kernel_height * g.kernel_width >= kMinWeightTaps &&
         g.out_height() * g.out_width() >= kMinWeightPixels;
}

void conv2d_forward_phase(const Conv2dGeometry& g, const float* x, const float* w, const float* bias,
                          float* y, OutputActivation activation) {
  const PhaseLayout layout(g);
  const bool relu = activation == OutputActivation::Relu;
  const int O = g.out_channels, K = int(layout.taps.size()), Ho = g.out_height(), Wo = g.out_width();
  const size_t channel_stride = size_t(Ho) * Wo;
  const size_t image_in = size_t(g.in_channels) * g.in_height * g.in_width, image_out = O * channel_stride;
  parallel_for(g.batch, [&](long long first, long long last, int) {
    float* planes = thread_scratch(kScratchLowered, layout.floats);
    std::fill(planes, planes + layout.floats, 0.0f);
    for (long long n = first; n < last; ++n) {
      layout.load(x + size_t(n) * image_in, planes);
      float* y_image = y + size_t(n) * image_out;
      // Channel blocks outside, rows inside: each block writes its 8 planes front to back (8 store streams,
      // not 32 interleaved: measured 1.9x faster on the 1-channel layer, 2 threads).
      for_blocks_of_8(O, [&](int o, bool block) {
        const float* weights = w + size_t(o) * K;
        const float* channel_bias = bias ? bias + o : nullptr;
        float* out = y_image + o * channel_stride;
        if (Wo % kV != 0) {
          for (int j0 = 0; j0 < Ho * layout.plane_width; j0 += kRun) {
            if (block)
              forward_flat_run<8>(g, layout, planes, weights, channel_bias, relu, out, j0);
            else
              forward_flat_run<1>(g, layout, planes, weights, channel_bias, relu, out, j0);
          }
          return;
        }
        cover_image(Ho, Wo, [&](auto span, int oy, int x0) {
          using S = decltype(span);
          const float* in = planes + size_t(oy) * layout.plane_width + x0;
          float* at = out + size_t(oy) * Wo + x0;
          if (block)
            forward_tile<8, S>(K, in, layout.plane_width, layout.taps.data(), weights, channel_bias, relu, at,
                               Wo, channel_stride);
          else
            forward_tile<1, S>(K, in, layout.plane_width, layout.taps.data(), weights, channel_bias, relu, at,
                               Wo, channel_stride);
        });
      });
    }
  });
}

void conv2d_backward_data_phase(const Conv2dGeometry& g, const float* dy, const float* w, float* dx) {
  const PhaseLayout layout(g);
  const int O = g.out_channels, K = int(layout.taps.size()), Ho = g.out_height(), Wo = g.out_width();
  const int Wq = layout.plane_width, length = (Ho * Wq + kRun - 1) / kRun * kRun;
  const bool flat = Wo % kV != 0;
  const size_t channel_stride = size_t(Ho) * Wo;
  const size_t image_in = size_t(g.in_channels) * g.in_height * g.in_width, image_out = O * channel_stride;
  const int* taps = layout.taps.data();
  parallel_for(g.batch, [&](long long first, long long last, int) {
    float* planes = thread_scratch(kScratchLowered, layout.floats);
    float* rows = flat ? thread_scratch(kScratchRegrouped, size_t(O) * length) : nullptr;
    if (flat) std::fill(rows, rows + size_t(O) * length, 0.0f);
    for (long long n = first; n < last; ++n) {
      std::fill(planes, planes + layout.floats, 0.0f);  // every image's gradient is summed from zero
      const float* dy_image = dy + size_t(n) * image_out;
      if (flat) {
        // A run's lanes past Wo carry dy's zeros: they add w * 0 into the planes (a NaN or infinite weight
        // would turn that into NaN where the reference adds nothing; training stops on a non-finite loss
        // first).
        spread_rows(g, Wq, length, dy_image, rows);
        for (int j0 = 0; j0 < length; j0 += kRun)
          for_blocks_of_8(K, [&](int r, bool block) {
            if (block)
              data_tile<8, FlatRun>(O, K, rows + j0, 0, length, w + r, taps + r, planes + j0, 0);
            else
              data_tile<1, FlatRun>(O, K, rows + j0, 0, length, w + r, taps + r, planes + j0, 0);
          });
      } else {
        // Rows outside, tap blocks inside: the rows of dy (all channels) stay in L1 for every tap block.
        cover_image(Ho, Wo, [&](auto span, int oy, int x0) {
          using S = decltype(span);
          const float* dy_at = dy_image + size_t(oy) * Wo + x0;
          float* at = planes + size_t(oy) * Wq + x0;
          for_blocks_of_8(K, [&](int r, bool block) {
            if (block)
              data_tile<8, S>(O, K, dy_at, Wo, channel_stride, w + r, taps + r, at, Wq);
            else
              data_tile<1, S>(O, K, dy_at, Wo, channel_stride, w + r, taps + r, at, Wq);
          });
        });
      }
      layout.store(planes, dx + size_t(n) * image_in);
    }
  });
}

void conv2d_backward_weight_phase(const Conv2dGeometry& g, const float* x, const float* dy, float* dw,
                                  float* dbias) {
  require(g.out_channels % kV == 0, "conv2d_backward_weight_phase: ", g.out_channels,
          " output channels are not a multiple of the vector width ", kV);
  const PhaseLayout layout(g);
  const int O = g.out_channels, K = int(layout.taps.size()), pixels = g.out_height() * g.out_width();
  const size_t image_in = size_t(g.in_channels) * g.in_height * g.in_width, image_out = size_t(O) * pixels;
  const int group = weight_group_size(g, layout), groups = (g.batch + group - 1) / group;
  // One set of sums per chunk of groups (dw transposed, K rows of O, then the bias's O), added in chunk
  // order: the same result every run (at a given thread count, which sets the groups).
  const int chunks = parallel_chunk_count(groups);
  const size_t per_chunk = size_t(K + 1) * O;
  std::vector<float> partial(per_chunk * chunks, 0.0f);
  parallel_for(groups, [&](long long first_group, long long last_group, int chunk) {
    float* acc = partial.data() + per_chunk * chunk;
    float* bias_acc = acc + size_t(K) * O;
    float* planes = thread_scratch(kScratchLowered, layout.floats * group);
    std::fill(planes, planes + layout.floats * group, 0.0f);
    float* dyt = thread_scratch(kScratchRegrouped, image_out * group);
    for (long long index = first_group; index < last_group; ++index) {
      const int first = int(index) * group, count = std::min(group, g.batch - first);
      for (int i = 0; i < count; ++i) {
        layout.load(x + size_t(first + i) * image_in, planes + i * layout.floats);
        const float* dy_image = dy + size_t(first + i) * image_out;
        transpose_dy(dy_image, O, pixels, dyt + i * image_out);
      }
      weight_group(g, layout, count, dyt, planes, acc);
      if (dbias)
        for (size_t p = 0; p < size_t(count) * pixels; ++p)
          for (int v = 0; v < O; v += kV) store(bias_acc + v, load(bias_acc + v) + load(dyt + p * O + v));
    }
  });
  for (int o = 0; o < O; ++o) {
    for (int r = 0; r <= K; ++r) {
      float sum = 0.0f;
      for (int t = 0; t < chunks; ++t) sum += partial[per_chunk * t + size_t(r) * O + o];
      if (r < K)
        dw[size_t(o) * K + r] = sum;
      else if (dbias)
        dbias[o] = sum;
    }
  }
}

}  // namespace untangle
