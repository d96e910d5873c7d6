// bench_kernels — the CUDA kernels against the libraries a user would pick instead, timed in one run.
//
//   convolutions  every layer shape of the reference architectures (three passes each): ours (the
//                 hand-written implicit GEMM of kernels/cuda/conv2d.cu) vs cuDNN's fastest algorithm for
//                 that shape (cudnnFind*AlgorithmEx, then timed here like ours), both in plain float32
//                 (cuDNN with CUDNN_FMA_MATH: no TF32 tensor-core rounding; its search may still pick an FFT
//                 or Winograd algorithm, float32 but a different arithmetic from our direct sums).
//                 Target: ours <= 1.5x cuDNN.
//   versions      backward-data's first (gather) and second (stride-phase) versions on the ConvT layers.
//   gemm          our row-major wrapper vs the raw cublasSgemm call it makes (the wrapper's overhead).
//   box blur      the cuFFT blur vs a direct CUDA loop over the window, r = 31 on 64 x 64 planes.
//   step          the whole beta-VAE training step (conv architecture, Bernoulli loss, Adam; the batch
//                 kept on the device) as `untangle train` runs it: eager, kernel by kernel, and replayed
//                 as one CUDA graph. Target: <= 1 ms at batch 64 (300k steps in 5 minutes).
//                 scripts/bench_torch_step.py times the same step in PyTorch; tests/gpu/run_all.sh puts
//                 the two side by side.
// Timing: CUDA events around each call on cuda::stream() (where every kernel here runs), after warm-up; the
// median of the repeats. Built only where CUDA is compiled; the cuDNN column only where CMake found cuDNN.
// The last line is machine-readable: `bench_kernels_conv_ratio_geomean X` (ours / cuDNN over every conv
// pass; "nan" without cuDNN); so is each step line
// `bench_kernels_step batch=B channels=C eager_us=E graph_us=G`.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "apps/common/args.h"
#include "apps/common/program.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/philox.h"
#include "kernels/cuda/box_blur.h"
#include "kernels/cuda/box_blur_fft.h"
#include "kernels/cuda/conv2d.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/gemm.h"
#include "kernels/cuda/memory.h"
#include "kernels/cuda/stream.h"
#include "kernels/device.h"
#include "nn/graphed_step.h"
#include "nn/model.h"

#ifdef UNTANGLE_HAVE_CUDNN
#include <cudnn.h>
#endif

using namespace untangle;
using cuda::DeviceBuffer;

namespace {

const char* kUsage =
    R"(usage: bench_kernels [--batches 64,256] [--warmup W] [--repeats N] [--step-block S] [--quick]
  Times the CUDA kernels (conv2d's three passes on the reference architectures' layers, sgemm, the box
  blur) against cuDNN / cuBLAS / a direct blur, with CUDA events (median of N after W warm-up runs), and
  the whole beta-VAE training step, eager and as a replayed CUDA graph.
  --batches  comma-separated batch sizes (default 64,256)
  --warmup   untimed runs before timing (default 5)
  --repeats  timed runs per measurement (default 30)
  --step-block  training steps queued back to back for the per-step mean (default 200)
  --quick    batch 64 only, 10 repeats, step block 50
Without a CUDA device it prints one line and exits 0. The last line is
`bench_kernels_conv_ratio_geomean X` (ours / cuDNN, geometric mean over every conv pass; nan without cuDNN).
)";

// Median microseconds of `work` over `repeats` runs, each bracketed by events.
double median_us(const std::function<void()>& work, int warmup, int repeats) {
  for (int i = 0; i < warmup; ++i) work();
  cudaEvent_t start, stop;
  UNTANGLE_CUDA_CHECK(cudaEventCreate(&start), "bench_kernels");
  UNTANGLE_CUDA_CHECK(cudaEventCreate(&stop), "bench_kernels");
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    UNTANGLE_CUDA_CHECK(cudaEventRecord(start, cuda::stream()), "bench_kernels");
    work();
    UNTANGLE_CUDA_CHECK(cudaEventRecord(stop, cuda::stream()), "bench_kernels");
    UNTANGLE_CUDA_CHECK(cudaEventSynchronize(stop), "bench_kernels");
    float ms = 0;
    UNTANGLE_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop), "bench_kernels");
    times.push_back(1000.0 * ms);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(times.begin(), times.end());
  const size_t n = times.size();
  return n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
}

DeviceBuffer<float> random_device(size_t n, PhiloxRng& rng) {
  std::vector<float> host(n);
  rng.fill_uniform(host.data(), n, -1.0f, 1.0f);  // never zeros: they can run faster than real data
  return DeviceBuffer<float>(host);
}

struct Timing {
  int warmup, repeats;
};

// ---- cuDNN: the fastest algorithm per pass, timed the same way as ours -------------------------------
#ifdef UNTANGLE_HAVE_CUDNN
void check_cudnn(cudnnStatus_t status, const char* call, int line) {
  if (status != CUDNN_STATUS_SUCCESS)
    fail("bench_kernels: ", call, " failed: ", cudnnGetErrorString(status), " (line ", line, ")");
}
#define CUDNN_CHECK(call) check_cudnn((call), #call, __LINE__)

class Cudnn {
 public:
  Cudnn() {
    CUDNN_CHECK(cudnnCreate(&handle));
    CUDNN_CHECK(cudnnSetStream(handle, cuda::stream()));  // timed on the same stream as our kernels
  }
  ~Cudnn() { cudnnDestroy(handle); }
  Cudnn(const Cudnn&) = delete;
  Cudnn& operator=(const Cudnn&) = delete;
  cudnnHandle_t handle = nullptr;
};

// The descriptors of one convolution geometry.
class CudnnConvolution {
 public:
  explicit CudnnConvolution(const Conv2dGeometry& g) {
    CUDNN_CHECK(cudnnCreateTensorDescriptor(&x));
    CUDNN_CHECK(cudnnCreateTensorDescriptor(&y));
    CUDNN_CHECK(cudnnCreateFilterDescriptor(&w));
    CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv));
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, g.batch, g.in_channels,
                                           g.in_height, g.in_width));
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, g.batch, g.out_channels,
                                           g.out_height(), g.out_width()));
    CUDNN_CHECK(cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, g.out_channels,
                                           g.in_channels, g.kernel_height, g.kernel_width));
    CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv, g.padding, g.padding, g.stride, g.stride, 1, 1,
                                                CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    CUDNN_CHECK(cudnnSetConvolutionMathType(conv, CUDNN_FMA_MATH));  // float32 FMAs, like ours
  }
  ~CudnnConvolution() {
    cudnnDestroyTensorDescriptor(x);
    cudnnDestroyTensorDescriptor(y);
    cudnnDestroyFilterDescriptor(w);
    cudnnDestroyConvolutionDescriptor(conv);
  }
  CudnnConvolution(const CudnnConvolution&) = delete;
  CudnnConvolution& operator=(const CudnnConvolution&) = delete;
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
};

constexpr size_t kCudnnWorkspaceBytes = size_t(512) << 20;

// Median microseconds of cuDNN's fastest successful algorithm for each pass: {forward, data, weight}.
std::vector<double> time_cudnn(const Cudnn& cudnn, const Conv2dGeometry& g, const float* x, const float* w,
                               float* y, const float* dy, float* dx, float* dw, DeviceBuffer<char>& workspace,
                               Timing t) {
  CudnnConvolution d(g);
  const float one = 1.0f, zero = 0.0f;
  std::vector<double> result;
  {
    cudnnConvolutionFwdAlgoPerf_t perf[16];
    int count = 0;
    CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(cudnn.handle, d.x, x, d.w, w, d.conv, d.y, y, 16,
                                                       &count, perf, workspace.data(), workspace.size()));
    require(count > 0 && perf[0].status == CUDNN_STATUS_SUCCESS, "cuDNN found no forward algorithm");
    const auto algo = perf[0].algo;
    const size_t bytes = perf[0].memory;
    result.push_back(median_us(
        [&] {
          CUDNN_CHECK(cudnnConvolutionForward(cudnn.handle, &one, d.x, x, d.w, w, d.conv, algo,
                                              workspace.data(), bytes, &zero, d.y, y));
        },
        t.warmup, t.repeats));
  }
  {
    cudnnConvolutionBwdDataAlgoPerf_t perf[16];
    int count = 0;
    CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(cudnn.handle, d.w, w, d.y, dy, d.conv, d.x, dx,
                                                            16, &count, perf, workspace.data(),
                                                            workspace.size()));
    require(count > 0 && perf[0].status == CUDNN_STATUS_SUCCESS, "cuDNN found no backward-data algorithm");
    const auto algo = perf[0].algo;
    const size_t bytes = perf[0].memory;
    result.push_back(median_us(
        [&] {
          CUDNN_CHECK(cudnnConvolutionBackwardData(cudnn.handle, &one, d.w, w, d.y, dy, d.conv, algo,
                                                   workspace.data(), bytes, &zero, d.x, dx));
        },
        t.warmup, t.repeats));
  }
  {
    cudnnConvolutionBwdFilterAlgoPerf_t perf[16];
    int count = 0;
    CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(cudnn.handle, d.x, x, d.y, dy, d.conv, d.w, dw,
                                                              16, &count, perf, workspace.data(),
                                                              workspace.size()));
    require(count > 0 && perf[0].status == CUDNN_STATUS_SUCCESS, "cuDNN found no backward-filter algorithm");
    const auto algo = perf[0].algo;
    const size_t bytes = perf[0].memory;
    result.push_back(median_us(
        [&] {
          CUDNN_CHECK(cudnnConvolutionBackwardFilter(cudnn.handle, &one, d.x, x, d.y, dy, d.conv, algo,
                                                     workspace.data(), bytes, &zero, d.w, dw));
        },
        t.warmup, t.repeats));
  }
  return result;
}
#endif

// ---- convolutions ----------------------------------------------------------------------------------------

struct ConvLayer {
  std::string name;
  Conv2dGeometry geometry;  // for a transposed layer: the convolution it is the adjoint of
  bool transposed;
};

std::vector<ConvLayer> reference_layers(int batch, int channels) {
  auto g = [&](int c, int size, int o, int k, int s, int p) {
    return Conv2dGeometry{batch, c, size, size, o, k, k, s, p};
  };
  const std::string C = std::to_string(channels);
  return {
      {"Burgess enc1 " + C + "->32 k4s2p1 64", g(channels, 64, 32, 4, 2, 1), false},
      {"Burgess enc2 32->32 k4s2p1 32", g(32, 32, 32, 4, 2, 1), false},
      {"Burgess enc3 32->64 k4s2p1 16", g(32, 16, 64, 4, 2, 1), false},
      {"Burgess enc4 64->64 k4s2p1 8", g(64, 8, 64, 4, 2, 1), false},
      {"conv64 enc1 " + C + "->32 k4s2p2 64", g(channels, 64, 32, 4, 2, 2), false},
      {"conv64 enc2 32->32 k4s2p2 33", g(32, 33, 32, 4, 2, 2), false},
      {"conv64 enc3 32->64 k4s2p2 17", g(32, 17, 64, 4, 2, 2), false},
      {"conv64 enc4 64->64 k4s2p2 9", g(64, 9, 64, 4, 2, 2), false},
      {"dlib enc3 32->64 k2s2p0 16", g(32, 16, 64, 2, 2, 0), false},
      {"dlib enc4 64->64 k2s2p0 8", g(64, 8, 64, 2, 2, 0), false},
      {"ConvT dec1 64->64 k4s2p1 4", g(64, 8, 64, 4, 2, 1), true},
      {"ConvT dec2 64->32 k4s2p1 8", g(32, 16, 64, 4, 2, 1), true},
      {"ConvT dec3 32->32 k4s2p1 16", g(32, 32, 32, 4, 2, 1), true},
      {"ConvT dec4 32->" + C + " k4s2p1 32", g(channels, 64, 32, 4, 2, 1), true},
  };
}

// Times one layer's three passes (ours, then cuDNN's) and prints a row; returns the ratios ours / cuDNN.
std::vector<double> bench_layer(const ConvLayer& layer, Timing t, DeviceBuffer<char>& cudnn_workspace,
                                const void* cudnn) {
  const Conv2dGeometry& g = layer.geometry;
  PhiloxRng rng(1);
  auto x = random_device(size_t(g.batch) * g.in_channels * g.in_height * g.in_width, rng);
  auto w = random_device(size_t(g.out_channels) * g.in_channels * g.kernel_height * g.kernel_width, rng);
  auto dy = random_device(size_t(g.batch) * g.out_channels * g.out_height() * g.out_width(), rng);
  DeviceBuffer<float> y(dy.size()), dx(x.size()), dw(w.size());
  DeviceBuffer<float> workspace(cuda::conv2d_backward_weight_workspace_floats(g));
  // Conv passes: forward, backward-data, backward-weight (no bias, as cuDNN's calls).
  std::vector<double> ours = {
      median_us([&] { cuda::conv2d_forward(g, x.data(), w.data(), nullptr, y.data()); }, t.warmup, t.repeats),
      median_us([&] { cuda::conv2d_backward_data(g, dy.data(), w.data(), dx.data()); }, t.warmup, t.repeats),
      median_us(
          [&] { cuda::conv2d_backward_weight(g, x.data(), dy.data(), dw.data(), nullptr, workspace.data()); },
          t.warmup, t.repeats)};
  std::vector<double> theirs(3, std::nan(""));
#ifdef UNTANGLE_HAVE_CUDNN
  try {  // a shape cuDNN rejects leaves its columns at nan rather than ending the benchmark
    theirs = time_cudnn(*static_cast<const Cudnn*>(cudnn), g, x.data(), w.data(), y.data(), dy.data(),
                        dx.data(), dw.data(), cudnn_workspace, t);
  } catch (const Error& error) {
    std::printf("(%s: %s)\n", layer.name.c_str(), error.what());
  }
#else
  (void)cudnn;
  (void)cudnn_workspace;
#endif
  // A transposed layer's forward is the conv's backward-data, its backward-data the conv's forward.
  const int order[3] = {layer.transposed ? 1 : 0, layer.transposed ? 0 : 1, 2};
  std::vector<double> ratios;
  std::printf("%-34s", layer.name.c_str());
  for (int k : order) {
    const double ratio = ours[k] / theirs[k];
    std::printf(" %8.1f %8.1f %5.2f%s", ours[k], theirs[k], ratio,
                std::isfinite(ratio) && ratio > 1.5 ? "!" : " ");
    if (std::isfinite(ratio)) ratios.push_back(ratio);
  }
  std::printf("\n");
  return ratios;
}

// The two versions of backward-data (the ConvT layers' forward): the first gathers and multiplies the zero
// taps of a stride-2 convolution too; the second splits by stride phase and should need about a quarter of
// the multiply-adds.
void bench_backward_data_versions(int batch, Timing t) {
  std::printf("\n%-34s %10s %10s %6s\n", "backward-data versions", "gather us", "phase us", "ratio");
  PhiloxRng rng(4);
  for (const ConvLayer& layer : reference_layers(batch, 1)) {
    if (!layer.transposed) continue;
    const Conv2dGeometry& g = layer.geometry;
    auto w = random_device(size_t(g.out_channels) * g.in_channels * g.kernel_height * g.kernel_width, rng);
    auto dy = random_device(size_t(g.batch) * g.out_channels * g.out_height() * g.out_width(), rng);
    DeviceBuffer<float> dx(size_t(g.batch) * g.in_channels * g.in_height * g.in_width);
    const double gather = median_us(
        [&] { cuda::conv2d_backward_data_gather(g, dy.data(), w.data(), dx.data()); }, t.warmup, t.repeats);
    const double phase = median_us([&] { cuda::conv2d_backward_data(g, dy.data(), w.data(), dx.data()); },
                                   t.warmup, t.repeats);
    std::printf("%-34s %10.1f %10.1f %6.2f\n", layer.name.c_str(), gather, phase, phase / gather);
  }
}

// ---- gemm and blur ----------------------------------------------------------------------------------------

void bench_gemm(Timing t) {
  std::printf("\n%-34s %10s %10s %6s %10s\n", "sgemm (row-major NN)", "ours us", "cuBLAS us", "ratio",
              "GFLOP/s");
  PhiloxRng rng(2);
  const int sizes[][3] = {{64, 256, 1024}, {256, 256, 1024}, {1024, 1024, 1024}, {4096, 4096, 4096}};
  for (auto& s : sizes) {
    const int M = s[0], N = s[1], K = s[2];
    auto A = random_device(size_t(M) * K, rng), B = random_device(size_t(K) * N, rng);
    DeviceBuffer<float> C(size_t(M) * N);
    const float one = 1.0f, zero = 0.0f;
    const double ours = median_us(
        [&] { cuda::sgemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C.data(), N); },
        t.warmup, t.repeats);
    const double raw = median_us(
        [&] {  // the column-major call the wrapper makes, issued directly
          UNTANGLE_CUDA_CHECK(cublasSgemm(cuda::cublas_handle(), CUBLAS_OP_N, CUBLAS_OP_N, N, M, K, &one,
                                          B.data(), N, A.data(), K, &zero, C.data(), N),
                              "bench_kernels");
        },
        t.warmup, t.repeats);
    char name[64];
    std::snprintf(name, sizeof name, "M=%d N=%d K=%d", M, N, K);
    std::printf("%-34s %10.1f %10.1f %6.2f %10.0f\n", name, ours, raw, ours / raw,
                2.0 * M * N * K / (ours * 1e3));
  }
}

void bench_blur(const std::vector<int>& batches, Timing t) {
  std::printf("\n%-34s %10s %10s %6s\n", "box blur r=31, 64x64 planes", "FFT us", "direct us", "ratio");
  PhiloxRng rng(3);
  for (int batch : batches) {
    const long long planes = 3LL * batch;
    auto in = random_device(size_t(planes) * 64 * 64, rng);
    DeviceBuffer<float> out(in.size());
    cuda::BoxBlurFft blur(planes, 64, 64, 31);
    const double fft = median_us([&] { blur.run(in.data(), out.data(), false); }, t.warmup, t.repeats);
    const double direct =
        median_us([&] { cuda::box_blur_planes_direct(in.data(), out.data(), planes, 64, 64, 31, false); },
                  t.warmup, t.repeats);
    char name[64];
    std::snprintf(name, sizeof name, "%lld planes (batch %d x 3)", planes, batch);
    std::printf("%-34s %10.1f %10.1f %6.2f\n", name, fft, direct, fft / direct);
  }
}

// ---- the whole training step ------------------------------------------------------------------------------

// Mean microseconds per call over `count` calls queued back to back between one pair of events: what a
// training loop sees (the host queues the next step while the device runs this one).
double block_us(const std::function<void()>& work, int count) {
  work();
  cudaEvent_t start, stop;
  UNTANGLE_CUDA_CHECK(cudaEventCreate(&start), "bench_kernels");
  UNTANGLE_CUDA_CHECK(cudaEventCreate(&stop), "bench_kernels");
  UNTANGLE_CUDA_CHECK(cudaEventRecord(start, cuda::stream()), "bench_kernels");
  for (int i = 0; i < count; ++i) work();
  UNTANGLE_CUDA_CHECK(cudaEventRecord(stop, cuda::stream()), "bench_kernels");
  UNTANGLE_CUDA_CHECK(cudaEventSynchronize(stop), "bench_kernels");
  float ms = 0;
  UNTANGLE_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop), "bench_kernels");
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return 1000.0 * ms / count;
}

void bench_training_step(int batch_size, int channels, Timing t, int block) {
  ModelSettings settings = default_model_settings("beta_vae");
  settings.channels = channels;
  PhiloxRng weights(1), noise(2), data(3);
  std::unique_ptr<Model> model = make_model(settings, weights);
  model->to(Device::CUDA);
  std::vector<Adam> optimisers;
  for (const ParameterGroup& group : model->parameter_groups())
    optimisers.emplace_back(group.parameters, group.hyperparameters);
  const Shape shape{batch_size, channels, 64, 64};
  std::vector<float> pixels(shape_numel(shape));
  data.fill_uniform(pixels.data(), pixels.size());
  for (float& p : pixels) p = p < 0.125f ? 1.0f : 0.0f;  // binary, about as sparse as dSprites
  Batch batch{Tensor::from_vector(pixels, shape, Device::CUDA), {}, {}};

  long long step = 0;
  Tensor last_objective;
  auto eager_step = [&] {
    last_objective = training_step(*model, optimisers, batch, noise, step++).objective;
  };
  const double eager = median_us(eager_step, t.warmup + 1, t.repeats);
  const double eager_block = block_us(eager_step, block);
  const double eager_loss = last_objective.item();

  // The graph is timed separately so that a failed capture still leaves the eager figures in the output.
  double graph = std::nan(""), graph_block = std::nan(""), graph_loss = std::nan("");
  size_t nodes = 0, mallocs = 0;
  std::string graph_note;
  try {
    GraphedTrainingStep graphed(*model, optimisers, batch, noise, step);
    auto graph_step = [&] { last_objective = graphed.run().objective; };
    const size_t mallocs_before = cuda::memory_statistics().cuda_mallocs;
    graph = median_us(graph_step, t.warmup, t.repeats);
    graph_block = block_us(graph_step, block);
    graph_loss = last_objective.item();
    mallocs = cuda::memory_statistics().cuda_mallocs - mallocs_before;
    nodes = graphed.kernel_count();
  } catch (const Error& e) {
    graph_note = std::string("  graph FAILED: ") + e.what();
  }
  const bool finite = std::isfinite(eager_loss) && (std::isfinite(graph_loss) || !graph_note.empty());
  std::printf(
      "%-22s %10.1f %10.1f %10.1f %10.1f %8.1f %6zu  loss %.1f -> %.1f%s, cudaMalloc during replays: %zu%s\n",
      ("batch " + std::to_string(batch_size) + ", " + std::to_string(channels) + " ch").c_str(), eager,
      eager_block, graph, graph_block, graph_block * 300000.0 / 60e6, nodes, eager_loss, graph_loss,
      finite ? "" : " NOT FINITE", mallocs, graph_note.c_str());
  std::printf("bench_kernels_step batch=%d channels=%d eager_us=%.1f graph_us=%.1f\n", batch_size, channels,
              eager_block, graph_block);
}

std::vector<int> parse_batches(const std::string& text) {
  std::vector<int> batches;
  for (const std::string& part : split_list(text)) {
    require(part.find_first_not_of("0123456789") == std::string::npos && std::stoi(part) > 0, "--batches: '",
            text, "' is not a comma-separated list of positive integers");
    batches.push_back(std::stoi(part));
  }
  require(!batches.empty(), "--batches: no batch size given");
  return batches;
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("bench_kernels", kUsage, argc, argv, {"quick"}, [](Args& args) {
    const bool quick = args.flag("quick");
    std::vector<int> batches = parse_batches(args.text("batches", quick ? "64" : "64,256"));
    Timing t{int(args.integer("warmup", 5)), int(args.integer("repeats", quick ? 10 : 30))};
    const int step_block = int(args.integer("step-block", quick ? 50 : 200));
    require(t.warmup >= 0 && t.repeats > 0, "--warmup must be >= 0 and --repeats > 0");
    args.reject_unknown();

    std::string why;
    if (cuda_device_count(&why) == 0) {
      std::printf("bench_kernels: no CUDA device (%s); nothing to measure\n", why.c_str());
      return 0;
    }
    cudaDeviceProp properties{};
    UNTANGLE_CUDA_CHECK(cudaGetDeviceProperties(&properties, 0), "bench_kernels");
    std::printf("device: %s (%d multiprocessors); median of %d after %d warm-up runs\n", properties.name,
                properties.multiProcessorCount, t.repeats, t.warmup);

#ifdef UNTANGLE_HAVE_CUDNN
    Cudnn cudnn;
    DeviceBuffer<char> cudnn_workspace(kCudnnWorkspaceBytes);
    const void* cudnn_pointer = &cudnn;
    std::printf("cuDNN %zu: fastest algorithm per pass (cudnnFind*AlgorithmEx), CUDNN_FMA_MATH (float32)\n",
                cudnnGetVersion());
#else
    DeviceBuffer<char> cudnn_workspace;
    const void* cudnn_pointer = nullptr;
    std::printf("cuDNN: not found at build time; the cuDNN columns read nan\n");
#endif

    std::vector<double> all_ratios;
    for (int batch : batches)
      for (int channels : {1, 3}) {
        std::printf(
            "\nconvolution layers, batch %d, %d image channel%s (us; ratio = ours / cuDNN, target <= 1.5, "
            "! above)\n",
            batch, channels, channels == 1 ? "" : "s");
        std::printf("%-34s %25s %25s %25s\n", "layer", "forward: ours cuDNN  x ", "back-data: ours cuDNN  x ",
                    "back-weight: ours cuDNN  x ");
        for (const ConvLayer& layer : reference_layers(batch, channels)) {
          // Only the first encoder and last decoder layer see the image channels: time the rest once.
          if (channels == 3 && layer.geometry.in_channels != channels) continue;
          for (double r : bench_layer(layer, t, cudnn_workspace, cudnn_pointer)) all_ratios.push_back(r);
        }
      }

    bench_backward_data_versions(batches.front(), t);
    bench_gemm(t);
    bench_blur(batches, t);
    std::printf(
        "\nbeta-VAE training step (conv, Bernoulli, Adam; us per step: median of single steps with a wait "
        "after each, and mean over a block of %d queued steps; target <= 1000 us at batch 64)\n",
        step_block);
    std::printf("%-22s %10s %10s %10s %10s %8s %6s\n", "", "eager", "eager blk", "graph", "graph blk",
                "300k min", "nodes");
    for (int batch : batches)
      for (int channels : {1, 3}) {
        try {
          bench_training_step(batch, channels, t, step_block);
        } catch (const Error& e) {  // say so and go on to the next shape
          std::printf("batch %d, %d ch: FAILED: %s\n", batch, channels, e.what());
        }
      }

    double log_sum = 0.0;
    for (double r : all_ratios) log_sum += std::log(r);
    const double geomean = all_ratios.empty() ? std::nan("") : std::exp(log_sum / double(all_ratios.size()));
    std::printf("bench_kernels_conv_ratio_geomean %.3f\n", geomean);
    return 0;
  });
}
