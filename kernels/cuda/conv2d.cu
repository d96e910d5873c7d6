// Convolution as an implicit GEMM: each pass is a matrix product C (M x N) = A (M x K) B (K x N) whose
// operands are never stored; a small "loader" computes each element of A or B from the tensors on the fly
// (the im2col matrix of the CPU path, kernels/cpu/conv2d.cpp, without the copy):
//
//   pass             M              N                   K                   A             B
//   forward          O              N*Ho*Wo (pixels)    C*kh*kw (taps)      w             im2col(x)
//   backward data    C              N*H*W (inputs)      O*kh*kw             w (per c)     dy gathered
//     per phase      C              N*H*W / stride^2    O*kh*kw / stride^2  w (phase taps) dy (phase taps)
//   backward weight  O              C*kh*kw             N*Ho*Wo             dy            im2col(x)^T
//
// One kernel does all three (the loaders differ): a block of 256 threads computes a TileM x 64 tile of C,
// stepping through K 16 at a time; each step every thread loads a few elements of A and B into shared
// memory, then each thread multiplies out its RowsPerThread x 4 sub-tile from shared memory. Thread
// (tx, ty) owns rows ty + 16i and columns tx + 16j, so a warp's reads of a shared row are 16 consecutive
// words (no bank conflicts) and its writes to C are coalesced along pixels.
//
// Backward data, first version (conv2d_backward_data_gather, kept as the simple reference): input pixel
// iy receives from output row oy = (iy + padding - ky) / stride only when that division is exact, so with
// stride 2 three taps in four multiply zeros. The second version (conv2d_backward_data) splits the inputs
// by stride phase, (iy + padding) mod stride = ry: inside one phase only the taps ky = ry + stride * ty
// contribute, and every one of them does, so each phase is a dense product with K = O * Ty * Tx; one launch
// per phase (4 for stride 2).
#include <algorithm>

#include "kernels/cuda/conv2d.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/stream.h"

namespace untangle::cuda {

namespace {

constexpr int kTileN = 64;
constexpr int kTileK = 16;
constexpr int kGemmThreads = 256;  // a 16 x 16 grid of threads

// The geometry as plain ints the device can read (Conv2dGeometry's methods are host code).
struct ConvShape {
  int batch, channels, height, width, out_channels, kernel_h, kernel_w, stride, padding, out_h, out_w;
};

ConvShape shape_of(const Conv2dGeometry& g) {
  return {g.batch,        g.in_channels, g.in_height, g.in_width,     g.out_channels, g.kernel_height,
          g.kernel_width, g.stride,      g.padding,   g.out_height(), g.out_width()};
}

// ---- loaders: element (row, column) of an operand, computed from the tensors ---------------------

// im2col(x)[tap, pixel]: tap = (c, ky, kx), pixel = (n, oy, ox); zero where the tap reads padding.
struct Im2col {
  const float* x;
  ConvShape s;
  __device__ float operator()(int tap, int pixel) const {
    const int kx = tap % s.kernel_w, ky = (tap / s.kernel_w) % s.kernel_h,
              c = tap / (s.kernel_w * s.kernel_h);
    const int ox = pixel % s.out_w, oy = (pixel / s.out_w) % s.out_h, n = pixel / (s.out_w * s.out_h);
    const int iy = oy * s.stride - s.padding + ky, ix = ox * s.stride - s.padding + kx;
    if (iy < 0 || iy >= s.height || ix < 0 || ix >= s.width) return 0.0f;
    return x[((size_t(n) * s.channels + c) * s.height + iy) * s.width + ix];
  }
};

// Forward A: w viewed as (O, C*kh*kw).
struct WeightRows {
  const float* w;
  int taps;  // C*kh*kw
  __device__ float operator()(int o, int tap) const { return w[size_t(o) * taps + tap]; }
};

// Backward-data A[c, (o, ky, kx)] = w[o, c, ky, kx].
struct WeightPerInputChannel {
  const float* w;
  ConvShape s;
  __device__ float operator()(int c, int k) const {
    const int taps = s.kernel_h * s.kernel_w;
    const int o = k / taps, tap = k % taps;
    return w[(size_t(o) * s.channels + c) * taps + tap];
  }
};

// Backward-data B[(o, ky, kx), (n, iy, ix)] = dy[n, o, oy, ox] where oy*stride - padding + ky = iy (and the
// same for x), or zero when no output pixel reads input (iy, ix) through that tap.
struct GatheredOutputGrad {
  const float* dy;
  ConvShape s;
  __device__ float operator()(int k, int input) const {
    const int taps = s.kernel_h * s.kernel_w;
    const int o = k / taps, ky = (k % taps) / s.kernel_w, kx = k % s.kernel_w;
    const int ix = input % s.width, iy = (input / s.width) % s.height, n = input / (s.width * s.height);
    const int sy = iy + s.padding - ky, sx = ix + s.padding - kx;
    if (sy < 0 || sx < 0 || sy % s.stride != 0 || sx % s.stride != 0) return 0.0f;
    const int oy = sy / s.stride, ox = sx / s.stride;
    if (oy >= s.out_h || ox >= s.out_w) return 0.0f;
    return dy[((size_t(n) * s.out_channels + o) * s.out_h + oy) * s.out_w + ox];
  }
};

// One stride phase of backward-data: the inputs iy = iy0 + stride * a (a < rows) and ix = ix0 + stride * b
// (b < cols), where iy0 is the first row with (iy0 + padding) mod stride = ry; the taps ky = ry + stride * ty
// (ty < taps_y); then oy = (iy + padding - ky) / stride = a + cy - ty exactly, with cy = (iy0 + padding - ry)
// / stride. Likewise for x.
struct StridePhase {
  int ry, rx, iy0, ix0, rows, cols, taps_y, taps_x, cy, cx;
};

StridePhase stride_phase(const Conv2dGeometry& g, int ry, int rx) {
  const int s = g.stride;
  StridePhase ph{};
  ph.ry = ry;
  ph.rx = rx;
  ph.iy0 = ((ry - g.padding) % s + s) % s;
  ph.ix0 = ((rx - g.padding) % s + s) % s;
  ph.rows = ph.iy0 < g.in_height ? (g.in_height - ph.iy0 + s - 1) / s : 0;
  ph.cols = ph.ix0 < g.in_width ? (g.in_width - ph.ix0 + s - 1) / s : 0;
  ph.taps_y = ry < g.kernel_height ? (g.kernel_height - ry + s - 1) / s : 0;
  ph.taps_x = rx < g.kernel_width ? (g.kernel_width - rx + s - 1) / s : 0;
  ph.cy = (ph.iy0 + g.padding - ry) / s;
  ph.cx = (ph.ix0 + g.padding - rx) / s;
  return ph;
}

// Phase A[c, (o, ty, tx)] = w[o, c, ry + stride * ty, rx + stride * tx].
struct PhaseWeights {
  const float* w;
  ConvShape s;
  StridePhase ph;
  __device__ float operator()(int c, int k) const {
    const int tx = k % ph.taps_x, ty = (k / ph.taps_x) % ph.taps_y, o = k / (ph.taps_x * ph.taps_y);
    const int ky = ph.ry + s.stride * ty, kx = ph.rx + s.stride * tx;
    return w[((size_t(o) * s.channels + c) * s.kernel_h + ky) * s.kernel_w + kx];
  }
};

// Phase B[(o, ty, tx), (n, a, b)] = dy[n, o, a + cy - ty, b + cx - tx], zero outside the output.
struct PhaseOutputGrad {
  const float* dy;
  ConvShape s;
  StridePhase ph;
  __device__ float operator()(int k, int input) const {
    const int tx = k % ph.taps_x, ty = (k / ph.taps_x) % ph.taps_y, o = k / (ph.taps_x * ph.taps_y);
    const int b = input % ph.cols, a = (input / ph.cols) % ph.rows, n = input / (ph.cols * ph.rows);
    const int oy = a + ph.cy - ty, ox = b + ph.cx - tx;
    if (oy < 0 || oy >= s.out_h || ox < 0 || ox >= s.out_w) return 0.0f;
    return dy[((size_t(n) * s.out_channels + o) * s.out_h + oy) * s.out_w + ox];
  }
};

// Backward-weight A[o, (n, oy, ox)] = dy[n, o, oy, ox].
struct OutputGradRows {
  const float* dy;
  ConvShape s;
  __device__ float operator()(int o, int pixel) const {
    const int plane = s.out_h * s.out_w;
    return dy[(size_t(pixel / plane) * s.out_channels + o) * plane + pixel % plane];
  }
};

// Backward-weight B[(n, oy, ox), tap] = im2col(x)[tap, pixel].
struct Im2colTransposed {
  Im2col im2col;
  __device__ float operator()(int pixel, int tap) const { return im2col(tap, pixel); }
};

// ---- stores: where element (row, column) of the product goes ---------------------------------------

// The fused ReLU of both stores below: v where v > 0, else +0 (NaN included), as activation.cu's ReLU.
__device__ inline float fused_relu(float v, bool relu) {
  return relu && !(v > 0.0f) ? 0.0f : v;
}

// y[n, o, oy, ox] = sum + bias[o] for row o, column pixel (n, oy, ox), through a fused ReLU when asked.
struct StoreOutput {
  float* y;
  const float* bias;
  int out_channels, plane;
  bool relu;
  __device__ void operator()(int o, int pixel, float sum) const {
    const float v = sum + (bias ? bias[o] : 0.0f);
    y[(size_t(pixel / plane) * out_channels + o) * plane + pixel % plane] = fused_relu(v, relu);
  }
};

// dx[n, c, iy, ix] for row c, column (n, iy, ix): the same layout with the input's sizes.
struct StoreInputGrad {
  float* dx;
  int channels, plane;
  __device__ void operator()(int c, int input, float sum) const {
    dx[(size_t(input / plane) * channels + c) * plane + input % plane] = sum;
  }
};

// dx[n, c, iy0 + stride * a, ix0 + stride * b] for row c, column (n, a, b) of one stride phase.
struct StorePhaseInputGrad {
  float* dx;
  ConvShape s;
  StridePhase ph;
  __device__ void operator()(int c, int input, float sum) const {
    const int b = input % ph.cols, a = (input / ph.cols) % ph.rows, n = input / (ph.cols * ph.rows);
    const int iy = ph.iy0 + s.stride * a, ix = ph.ix0 + s.stride * b;
    dx[((size_t(n) * s.channels + c) * s.height + iy) * s.width + ix] = sum;
  }
};

// One slice of the split-K workspace: partial dw[o, tap] of the chunk blockIdx.z.
struct StorePartialWeightGrad {
  float* workspace;
  int taps;
  size_t slice;  // O * taps
  __device__ void operator()(int o, int tap, float sum) const {
    workspace[blockIdx.z * slice + size_t(o) * taps + tap] = sum;
  }
};

// ---- the tiled product ------------------------------------------------------------------------------

// C = A B over K range [blockIdx.z * k_chunk, min(K, (blockIdx.z + 1) * k_chunk)).
template <int RowsPerThread, typename LoadA, typename LoadB, typename Store>
__global__ void __launch_bounds__(kGemmThreads)
    implicit_gemm(int M, int N, int K, int k_chunk, LoadA load_a, LoadB load_b, Store store) {
  constexpr int kTileM = 16 * RowsPerThread;
  // +1 column: A is stored with k fastest across threads, and the padding spreads those writes over banks.
  __shared__ float a_tile[kTileK][kTileM + 1];
  __shared__ float b_tile[kTileK][kTileN];

  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  const int m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
  const int k_begin = blockIdx.z * k_chunk, k_end = min(K, k_begin + k_chunk);
  float acc[RowsPerThread][4] = {};

  for (int k0 = k_begin; k0 < k_end; k0 += kTileK) {
    // A: consecutive threads take consecutive k (contiguous for every pass's A in memory).
    for (int e = threadIdx.x; e < kTileM * kTileK; e += kGemmThreads) {
      const int kk = e % kTileK, mm = e / kTileK, m = m0 + mm, k = k0 + kk;
      a_tile[kk][mm] = (m < M && k < k_end) ? load_a(m, k) : 0.0f;
    }
    // B: consecutive threads take consecutive columns (pixels for the two data passes).
    for (int e = threadIdx.x; e < kTileK * kTileN; e += kGemmThreads) {
      const int nn = e % kTileN, kk = e / kTileN, n = n0 + nn, k = k0 + kk;
      b_tile[kk][nn] = (n < N && k < k_end) ? load_b(k, n) : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTileK; ++kk) {
      float b[4];
#pragma unroll
      for (int j = 0; j < 4; ++j) b[j] = b_tile[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < RowsPerThread; ++i) {
        const float a = a_tile[kk][ty + 16 * i];
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(a, b[j], acc[i][j]);
      }
    }
    __syncthreads();  // the tiles are overwritten next step
  }

#pragma unroll
  for (int i = 0; i < RowsPerThread; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int m = m0 + ty + 16 * i, n = n0 + tx + 16 * j;
      if (m < M && n < N) store(m, n, acc[i][j]);
    }
}

// Blocks below which a launch leaves the GPU partly idle: two per multiprocessor of an H100 (132), fixed
// rather than queried to keep launches simple. (The tile shape never changes a result: every output sums
// its K range in the same order whatever tile it is in.)
constexpr long long kEnoughBlocks = 264;

// Picks the row tile: 64 rows (the most reuse of each loaded element) when M is large enough, fewer when M
// is small (the decoder's last layer has 1 or 3 channels: a 64-row tile would idle) or when 64-row tiles
// would give too few blocks to fill the GPU (the 8 x 8 layers at batch 64 have only 16 column tiles).
template <typename LoadA, typename LoadB, typename Store>
void launch_implicit_gemm(const char* op, int M, int N, int K, int splits, int k_chunk, LoadA load_a,
                          LoadB load_b, Store store) {
  const unsigned column_tiles = unsigned((N + kTileN - 1) / kTileN);
  int rows_per_thread = M <= 16 ? 1 : (M <= 32 ? 2 : 4);
  auto blocks = [&](int rows) {
    return (long long)((M + 16 * rows - 1) / (16 * rows)) * column_tiles * splits;
  };
  while (rows_per_thread > 1 && blocks(rows_per_thread) < kEnoughBlocks) rows_per_thread /= 2;
  if (rows_per_thread == 1) {
    dim3 grid(column_tiles, unsigned((M + 15) / 16), unsigned(splits));
    implicit_gemm<1><<<grid, kGemmThreads, 0, stream()>>>(M, N, K, k_chunk, load_a, load_b, store);
  } else if (rows_per_thread == 2) {
    dim3 grid(column_tiles, unsigned((M + 31) / 32), unsigned(splits));
    implicit_gemm<2><<<grid, kGemmThreads, 0, stream()>>>(M, N, K, k_chunk, load_a, load_b, store);
  } else {
    dim3 grid(column_tiles, unsigned((M + 63) / 64), unsigned(splits));
    implicit_gemm<4><<<grid, kGemmThreads, 0, stream()>>>(M, N, K, k_chunk, load_a, load_b, store);
  }
  UNTANGLE_CUDA_CHECK_LAUNCH(op);
}

// Split of the weight gradient's K = N*Ho*Wo: enough chunks that ~512 blocks fill the GPU, each chunk at
// least 256 long and a multiple of the K tile. It depends on the geometry only, so results do not change
// from one GPU model to another.
struct SplitK {
  int splits, chunk;
};
SplitK weight_grad_split(const Conv2dGeometry& g) {
  const int M = g.out_channels, N = g.in_channels * g.kernel_height * g.kernel_width;
  const int K = g.batch * g.out_height() * g.out_width();
  const int row_tile = M <= 16 ? 16 : (M <= 32 ? 32 : 64);
  const int tiles = ((M + row_tile - 1) / row_tile) * ((N + kTileN - 1) / kTileN);
  int splits = std::max(1, std::min((512 + tiles - 1) / tiles, (K + 255) / 256));
  int chunk = (K + splits - 1) / splits;
  chunk = (chunk + kTileK - 1) / kTileK * kTileK;
  splits = (K + chunk - 1) / chunk;
  return {splits, chunk};
}

// dw[i] = sum over slices s of workspace[s][i], in slice order (deterministic).
__global__ void sum_weight_grad_slices(const float* workspace, int splits, size_t count, float* dw) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count;
       i += size_t(gridDim.x) * blockDim.x) {
    float total = 0.0f;
    for (int s = 0; s < splits; ++s) total += workspace[size_t(s) * count + i];
    dw[i] = total;
  }
}

// dbias[o] = sum over n, oy, ox of dy[n, o, oy, ox]: one block per channel, a fixed-order tree in double.
__global__ void bias_grad(const float* dy, int batch, int out_channels, int plane, float* dbias) {
  __shared__ double partial[kGemmThreads];
  const int o = blockIdx.x;
  double total = 0.0;
  for (int i = threadIdx.x; i < batch * plane; i += blockDim.x)
    total += dy[(size_t(i / plane) * out_channels + o) * plane + i % plane];
  partial[threadIdx.x] = total;
  __syncthreads();
  for (int width = blockDim.x / 2; width > 0; width /= 2) {
    if (int(threadIdx.x) < width) partial[threadIdx.x] += partial[threadIdx.x + width];
    __syncthreads();
  }
  if (threadIdx.x == 0) dbias[o] = float(partial[0]);
}

// y[n, c, :] += bias[c] (bias may be null), then the fused ReLU when asked: one thread per element.
__global__ void add_bias(float* y, const float* bias, size_t count, int channels, int plane, bool relu) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count;
       i += size_t(gridDim.x) * blockDim.x) {
    const float v = bias ? y[i] + bias[(i / plane) % channels] : y[i];
    y[i] = fused_relu(v, relu);
  }
}

void check_geometry(const Conv2dGeometry& g, const char* op) {
  // The window must fit the padded input: out_height() rounds toward zero, so e.g. H = 1, k = 2, s = 2
  // would still give one output row whose window reads past the image.
  require(g.batch > 0 && g.in_channels > 0 && g.out_channels > 0 && g.stride > 0 && g.padding >= 0 &&
              g.kernel_height > 0 && g.kernel_width > 0 && g.in_height + 2 * g.padding >= g.kernel_height &&
              g.in_width + 2 * g.padding >= g.kernel_width && g.out_height() > 0 && g.out_width() > 0,
          op, ": invalid geometry (batch ", g.batch, ", channels ", g.in_channels, " -> ", g.out_channels,
          ", input ", g.in_height, "x", g.in_width, ", kernel ", g.kernel_height, "x", g.kernel_width,
          ", stride ", g.stride, ", padding ", g.padding, ")");
}

}  // namespace

void conv2d_forward(const Conv2dGeometry& g, const float* x, const float* w, const float* bias, float* y,
                    OutputActivation activation) {
  check_geometry(g, "cuda::conv2d_forward");
  const ConvShape s = shape_of(g);
  const int taps = g.in_channels * g.kernel_height * g.kernel_width;
  const int pixels = g.batch * s.out_h * s.out_w;
  launch_implicit_gemm(
      "cuda::conv2d_forward", g.out_channels, pixels, taps, 1, taps, WeightRows{w, taps}, Im2col{x, s},
      StoreOutput{y, bias, g.out_channels, s.out_h * s.out_w, activation == OutputActivation::Relu});
}

void conv2d_backward_data_gather(const Conv2dGeometry& g, const float* dy, const float* w, float* dx) {
  check_geometry(g, "cuda::conv2d_backward_data_gather");
  const ConvShape s = shape_of(g);
  const int K = g.out_channels * g.kernel_height * g.kernel_width;
  const int inputs = g.batch * g.in_height * g.in_width;
  launch_implicit_gemm("cuda::conv2d_backward_data_gather", g.in_channels, inputs, K, 1, K,
                       WeightPerInputChannel{w, s}, GatheredOutputGrad{dy, s},
                       StoreInputGrad{dx, g.in_channels, g.in_height * g.in_width});
}

void conv2d_backward_data(const Conv2dGeometry& g, const float* dy, const float* w, float* dx) {
  const char* op = "cuda::conv2d_backward_data";
  check_geometry(g, op);
  const ConvShape s = shape_of(g);
  for (int ry = 0; ry < g.stride; ++ry)
    for (int rx = 0; rx < g.stride; ++rx) {
      const StridePhase ph = stride_phase(g, ry, rx);
      if (ph.rows == 0 || ph.cols == 0) continue;  // a stride larger than the image: no inputs in this phase
      // K = 0 (a kernel smaller than the stride) still runs: those inputs receive no gradient and get 0.
      const int K = g.out_channels * ph.taps_y * ph.taps_x;
      launch_implicit_gemm(op, g.in_channels, g.batch * ph.rows * ph.cols, K, 1, std::max(K, 1),
                           PhaseWeights{w, s, ph}, PhaseOutputGrad{dy, s, ph},
                           StorePhaseInputGrad{dx, s, ph});
    }
}

size_t conv2d_backward_weight_workspace_floats(const Conv2dGeometry& g) {
  const size_t weights = size_t(g.out_channels) * g.in_channels * g.kernel_height * g.kernel_width;
  return size_t(weight_grad_split(g).splits) * weights;
}

void conv2d_backward_weight(const Conv2dGeometry& g, const float* x, const float* dy, float* dw, float* dbias,
                            float* workspace) {
  const char* op = "cuda::conv2d_backward_weight";
  check_geometry(g, op);
  const ConvShape s = shape_of(g);
  const int taps = g.in_channels * g.kernel_height * g.kernel_width;
  const int pixels = g.batch * s.out_h * s.out_w;
  const SplitK split = weight_grad_split(g);
  const size_t weights = size_t(g.out_channels) * taps;
  launch_implicit_gemm(op, g.out_channels, taps, pixels, split.splits, split.chunk, OutputGradRows{dy, s},
                       Im2colTransposed{Im2col{x, s}}, StorePartialWeightGrad{workspace, taps, weights});
  sum_weight_grad_slices<<<blocks_for(weights), kThreadsPerBlock, 0, stream()>>>(workspace, split.splits,
                                                                                 weights, dw);
  UNTANGLE_CUDA_CHECK_LAUNCH(op);
  if (dbias) {
    bias_grad<<<g.out_channels, kGemmThreads, 0, stream()>>>(dy, g.batch, g.out_channels, s.out_h * s.out_w,
                                                             dbias);
    UNTANGLE_CUDA_CHECK_LAUNCH(op);
  }
}

void conv2d_bias_gradient(const float* dy, int batch, int channels, int plane, float* dbias) {
  if (channels == 0) return;
  bias_grad<<<channels, kGemmThreads, 0, stream()>>>(dy, batch, channels, plane, dbias);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::conv2d_bias_gradient");
}

void conv2d_add_bias(float* y, const float* bias, int batch, int channels, int plane,
                     OutputActivation activation) {
  const size_t count = size_t(batch) * channels * plane;
  if (count == 0) return;
  add_bias<<<blocks_for(count), kThreadsPerBlock, 0, stream()>>>(y, bias, count, channels, plane,
                                                                 activation == OutputActivation::Relu);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::conv2d_add_bias");
}

}  // namespace untangle::cuda
