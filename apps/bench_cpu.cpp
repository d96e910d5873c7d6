// bench_cpu — CPU microbenchmarks and the reference beta-VAE training step.
//
//   bench_cpu [--arch A]                        SGEMM at 256/512/1024, each conv layer's three passes (and
//                                               each pass as a percentage of the SGEMM's speed), then the
//                                               training step (C=1, batch 64)
//   bench_cpu --step [--arch A] [--channels C] [--batch B] [--steps N] [--warmup W]
//                                               the training step only
//   bench_cpu --sgemm-only                      the SGEMM table only (scripts/compare_sgemm_openblas.sh)
// A is dislib (disentanglement_lib's conv encoder / deconv decoder, untangle's "conv") or burgess (disent's
// vae_conv64 encoder with the same decoder, untangle's "burgess").
// The last line is always `untangle_step_ms X` (the median step time), which scripts/compare_cpu_step.sh
// reads to set it against PyTorch's step (scripts/torch_cpu_step.py) in the same run.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "apps/common/args.h"
#include "apps/common/program.h"
#include "apps/common/timing.h"
#include "autograd/ops.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/parallel.h"
#include "nn/adam.h"
#include "nn/architectures.h"

using namespace untangle;

namespace {

const char* kUsage =
    R"(usage: bench_cpu [--step | --sgemm-only] [--arch A] [--channels C] [--batch B] [--steps N] [--warmup W]
  (no flags)   SGEMM 256/512/1024, each conv layer's forward / backward-data / backward-weight (and each
               pass's GFLOP/s as a percentage of the SGEMM's at 1024), and the beta-VAE training step
  --step       only the training step (forward, backward, Adam): 10 latents, Bernoulli loss
  --sgemm-only only the SGEMM table
  --arch       dislib (default): disentanglement_lib's conv encoder / deconv decoder (untangle's "conv");
               burgess: disent's vae_conv64 encoder (k4 s2 p2 convs, 64->33->17->9->5) with the same decoder
  --channels   image channels, 1 or 3 (default 1)
  --batch      batch size (default 64)
  --steps      timed steps (default 30); --warmup untimed steps first (default 5)
The last line printed is `untangle_step_ms X`, the median milliseconds per step (with --sgemm-only:
`untangle_sgemm_1024_gflops X`). scripts/compare_cpu_step.sh sets it against PyTorch's step.
)";

double bench_sgemm() {  // returns GFLOP/s at 1024
  std::printf("%-28s %10s %10s\n", "sgemm (row-major, NN)", "ms", "GFLOP/s");
  PhiloxRng rng(1);
  double gflops = 0;
  for (int n : {256, 512, 1024}) {
    std::vector<float> a(size_t(n) * n), b(size_t(n) * n), c(size_t(n) * n);
    rng.fill_uniform(a.data(), a.size());
    rng.fill_uniform(b.data(), b.size());
    TimingSummary t = time_repeated(
        [&] { sgemm(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n); }, 2,
        n >= 1024 ? 10 : 30);
    gflops = 2.0 * n * n * n / (t.median_ms * 1e6);
    std::printf("%-28s %10.3f %10.1f\n", ("M=N=K=" + std::to_string(n)).c_str(), t.median_ms, gflops);
  }
  return gflops;
}

// One convolution layer of a reference architecture, as bench_convolutions times it.
struct ConvLayer {
  const char* name;
  Conv2dGeometry geometry;  // for the transposed layers: the convolution they are the adjoint of
  bool transposed;
};

// The encoder's convolutions: disentanglement_lib's conv_encoder (nn/architectures.cpp; TF SAME padding is
// p1 for k4 s2 and p0 for k2 s2) or disent's vae_conv64 encoder (nn/architecture_burgess.cpp; k4 s2 p2
// everywhere, so 64 -> 33 -> 17 -> 9 -> 5).
std::vector<ConvLayer> encoder_layers(const std::string& arch, int channels, int batch) {
  if (arch == "burgess")
    return {
        {"enc conv1 C->32 k4 s2 p2", {batch, channels, 64, 64, 32, 4, 4, 2, 2}, false},
        {"enc conv2 32->32 k4 s2 p2", {batch, 32, 33, 33, 32, 4, 4, 2, 2}, false},
        {"enc conv3 32->64 k4 s2 p2", {batch, 32, 17, 17, 64, 4, 4, 2, 2}, false},
        {"enc conv4 64->64 k4 s2 p2", {batch, 64, 9, 9, 64, 4, 4, 2, 2}, false},
    };
  return {
      {"enc conv1 C->32 k4 s2", {batch, channels, 64, 64, 32, 4, 4, 2, 1}, false},
      {"enc conv2 32->32 k4 s2", {batch, 32, 32, 32, 32, 4, 4, 2, 1}, false},
      {"enc conv3 32->64 k2 s2", {batch, 32, 16, 16, 64, 2, 2, 2, 0}, false},
      {"enc conv4 64->64 k2 s2", {batch, 64, 8, 8, 64, 2, 2, 2, 0}, false},
  };
}

// The deconv decoder, which both architectures use (nn/architecture_registry.cpp).
std::vector<ConvLayer> decoder_layers(int channels, int batch) {
  return {
      {"dec deconv1 64->64 k4 s2", {batch, 64, 8, 8, 64, 4, 4, 2, 1}, true},
      {"dec deconv2 64->32 k4 s2", {batch, 32, 16, 16, 64, 4, 4, 2, 1}, true},
      {"dec deconv3 32->32 k4 s2", {batch, 32, 32, 32, 32, 4, 4, 2, 1}, true},
      {"dec deconv4 32->C k4 s2", {batch, channels, 64, 64, 32, 4, 4, 2, 1}, true},
  };
}

// GFLOP/s of a layer's three passes, in the layer's own sense (a transposed layer's forward first).
struct PassSpeeds {
  double forward = 0, backward_data = 0, backward_weight = 0;
};

// Times one layer's three passes and prints its row of the per-layer table.
PassSpeeds bench_conv_layer(const ConvLayer& layer, PhiloxRng& rng) {
  const Conv2dGeometry& g = layer.geometry;
  std::vector<float> x(size_t(g.batch) * g.in_channels * g.in_height * g.in_width);
  std::vector<float> w(size_t(g.out_channels) * g.in_channels * g.kernel_height * g.kernel_width);
  std::vector<float> y(size_t(g.batch) * g.out_channels * g.out_height() * g.out_width()),
      bias(g.out_channels);
  std::vector<float> dw(w.size()), db(bias.size());
  rng.fill_uniform(x.data(), x.size());
  rng.fill_uniform(w.data(), w.size());
  rng.fill_uniform(y.data(), y.size());
  // A transposed layer's forward is the convolution's backward-data, its backward-data the convolution's
  // forward, and its backward-weight the convolution's backward-weight with x and dy swapped.
  auto forward = [&] { conv2d_forward(g, x.data(), w.data(), bias.data(), y.data()); };
  auto data = [&] { conv2d_backward_data(g, y.data(), w.data(), x.data()); };
  auto weight = [&] { conv2d_backward_weight(g, x.data(), y.data(), dw.data(), db.data()); };
  TimingSummary f = time_repeated(layer.transposed ? std::function<void()>(data) : forward, 2, 15);
  TimingSummary d = time_repeated(layer.transposed ? std::function<void()>(forward) : data, 2, 15);
  TimingSummary k = time_repeated(weight, 2, 15);
  const double gflop = 2.0 * g.multiply_adds() / 1e6;  // per ms
  PassSpeeds speeds{gflop / f.median_ms, gflop / d.median_ms, gflop / k.median_ms};
  std::printf("%-28s %12.3f %11.1f %12.3f %11.1f %12.3f %11.1f\n", layer.name, f.median_ms, speeds.forward,
              d.median_ms, speeds.backward_data, k.median_ms, speeds.backward_weight);
  return speeds;
}

// Each pass's speed as a share of the SGEMM's at 1024 in the same run: the performance goal is every pass
// at >= 50% of it at batch 64, where the convolutions' GEMMs are large enough to get there.
void print_share_of_sgemm(const std::vector<ConvLayer>& layers, const std::vector<PassSpeeds>& speeds,
                          double sgemm_gflops) {
  const double target_percent = 50;
  std::printf("\neach pass as a percentage of the SGEMM's %.1f GFLOP/s at 1024 (* below %.0f%%)\n",
              sgemm_gflops, target_percent);
  std::printf("%-28s %13s  %13s  %13s\n", "layer", "forward %", "back-data %", "back-weight %");
  int at_target = 0, passes = 0;
  auto cell = [&](double gflops) {
    const double percent = 100 * gflops / sgemm_gflops;
    at_target += percent >= target_percent;
    ++passes;
    std::printf(" %13.0f%s", percent, percent >= target_percent ? " " : "*");
  };
  for (size_t i = 0; i < layers.size(); ++i) {
    std::printf("%-28s", layers[i].name);
    cell(speeds[i].forward);
    cell(speeds[i].backward_data);
    cell(speeds[i].backward_weight);
    std::printf("\n");
  }
  std::printf("passes at >= %.0f%% of the SGEMM: %d of %d\n", target_percent, at_target, passes);
}

// The physical floor of a training step's convolutions: their arithmetic at the SGEMM's speed (the first
// layer's backward-data pass is not run in training: the images need no gradient), against the sum of the
// passes as measured above.
void print_floor(const std::vector<ConvLayer>& layers, const std::vector<PassSpeeds>& speeds,
                 double sgemm_gflops) {
  double gflop = 0, measured_ms = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const double pass_gflop = 2.0 * layers[i].geometry.multiply_adds() / 1e9;
    const bool input_layer = i == 0;
    gflop += pass_gflop * (input_layer ? 2 : 3);
    measured_ms += 1e3 * pass_gflop / speeds[i].forward + 1e3 * pass_gflop / speeds[i].backward_weight;
    if (!input_layer) measured_ms += 1e3 * pass_gflop / speeds[i].backward_data;
  }
  const double floor_ms = 1e3 * gflop / sgemm_gflops;
  std::printf(
      "the step's convolution passes: %.2f GFLOP; at the SGEMM's speed (the floor) %.1f ms, as "
      "measured above %.1f ms (%.2f x the floor)\n",
      gflop, floor_ms, measured_ms, measured_ms / floor_ms);
}

// The per-layer table of `arch`'s convolutions, then their share of the SGEMM's speed.
void bench_convolutions(const std::string& arch, int channels, int batch, double sgemm_gflops) {
  std::vector<ConvLayer> layers = encoder_layers(arch, channels, batch);
  for (const ConvLayer& layer : decoder_layers(channels, batch)) layers.push_back(layer);
  std::printf("\nconvolution layers of %s at batch %d (transposed layers: their own forward/backward)\n",
              arch.c_str(), batch);
  std::printf("%-28s %24s %24s %24s\n", "layer", "forward ms  GFLOP/s", "back-data ms  GFLOP/s",
              "back-weight ms  GFLOP/s");
  PhiloxRng rng(2);
  std::vector<PassSpeeds> speeds;
  for (const ConvLayer& layer : layers) speeds.push_back(bench_conv_layer(layer, rng));
  print_share_of_sgemm(layers, speeds, sgemm_gflops);
  print_floor(layers, speeds, sgemm_gflops);
}

// One training step of `arch` (untangle's "conv" for dislib, "burgess"), timed; returns the median ms.
double bench_training_step(const std::string& arch, int channels, int batch, int steps, int warmup) {
  PhiloxRng init_rng(0), noise_rng(1), data_rng(2);
  const int latents = 10;
  // Each architecture with its reference's initialiser: Glorot uniform for disentanglement_lib, Xavier
  // normal for disent (nn/presets.h).
  const bool burgess = arch == "burgess";
  const NetworkShape shape{channels, 64, 64, latents};
  const Initializer init = burgess ? Initializer::XavierNormal : Initializer::GlorotUniform;
  std::unique_ptr<Encoder> encoder = make_encoder(burgess ? "burgess" : "conv", shape, init_rng, init);
  std::unique_ptr<Decoder> decoder = make_decoder(burgess ? "burgess" : "conv", shape, init_rng, init);
  ParameterList parameters;
  encoder->collect(parameters, "encoder");
  decoder->collect(parameters, "decoder");
  Adam adam(parameters, AdamHyperparameters{});  // lr 1e-4, 0.9 / 0.999 / 1e-8, as the reference study
  // Random binary images, as the PyTorch baseline uses.
  Tensor x = Tensor::zeros({batch, channels, 64, 64});
  data_rng.fill_uniform(x.data(), x.numel());
  for (size_t i = 0; i < x.numel(); ++i) x.data()[i] = x.data()[i] > 0.5f ? 1.0f : 0.0f;
  Tensor epsilon = Tensor::zeros({batch, latents});
  float loss_value = 0;

  auto step = [&] {
    Tape tape;
    GaussianCode code = encoder->forward(tape, x);
    noise_rng.fill_normal(epsilon.data(), epsilon.numel());
    Tensor z = add(tape, code.mean, mul(tape, exp(tape, scale(tape, code.log_variance, 0.5f)), epsilon));
    Tensor logits = decoder->forward(tape, z);
    Tensor reconstruction =
        scale(tape, bce_with_logits(tape, logits, x, Reduction::Sum), 1.0f / float(batch));
    Tensor kl = mean(tape, gaussian_kl(tape, code.mean, code.log_variance));
    Tensor loss = add(tape, reconstruction, kl);  // beta = 1: the cost of a step does not depend on beta
    loss_value = loss.item();
    adam.zero_grad();
    tape.backward(loss);
    adam.step();
  };
  TimingSummary t = time_repeated(step, warmup, steps);
  std::printf(
      "\nbeta-VAE training step, %s, C=%d, batch %d, %d threads: median %.2f ms (min %.2f, max %.2f), "
      "%.0f images/s, final loss %.1f\n",
      arch.c_str(), channels, batch, parallel_thread_count(), t.median_ms, t.min_ms, t.max_ms,
      batch * 1e3 / t.median_ms, loss_value);
  return t.median_ms;
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("bench_cpu", kUsage, argc, argv, {"step", "sgemm-only"}, [&](Args& args) {
    const bool step_only = args.flag("step"), sgemm_only = args.flag("sgemm-only");
    const int channels = int(args.integer("channels", 1));
    const int batch = int(args.integer("batch", 64));
    const int steps = int(args.integer("steps", 30));
    const int warmup = int(args.integer("warmup", 5));
    const std::string arch = args.text("arch", "dislib");
    args.reject_unknown();
    require(arch == "dislib" || arch == "burgess", "--arch must be dislib or burgess, got '", arch, "'");
    require(channels == 1 || channels == 3, "--channels must be 1 or 3");
    require(batch >= 1 && steps >= 1 && warmup >= 0, "--batch and --steps must be positive");
    if (sgemm_only) {
      std::printf("untangle_sgemm_1024_gflops %.1f\n", bench_sgemm());
      return 0;
    }
    if (!step_only) bench_convolutions(arch, channels, batch, bench_sgemm());
    double median = bench_training_step(arch, channels, batch, steps, warmup);
    std::printf("untangle_step_ms %.3f\n", median);
    return 0;
  });
}
