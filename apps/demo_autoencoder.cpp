// demo_autoencoder — the smallest end-to-end use of untangle: a convolutional autoencoder learns to
// reconstruct generated images (a 6x6 white square at a random position on a 32x32 canvas, two factors
// of variation) through a 2-number bottleneck, and the loss printed every few steps falls.
//
// Everything a real training run uses is here: the Philox RNG, Tensor + tape, conv / transposed conv /
// dense layers, a Bernoulli (binary cross-entropy) loss, backward, Adam.
#include <cstdio>

#include "apps/common/args.h"
#include "apps/common/program.h"
#include "apps/common/timing.h"
#include "nn/adam.h"
#include "nn/layers.h"

using namespace untangle;

namespace {

const char* kUsage = R"(usage: demo_autoencoder [--steps N] [--batch B] [--seed S]
Trains a small convolutional autoencoder (32x32 images of a square at a random position, 2 latent
numbers) on the CPU and prints the reconstruction loss as it falls. Defaults: 1500 steps, batch 32, seed 0.
)";

constexpr int kSize = 32, kSquare = 6;

// x: (B, 1, 32, 32), a white kSquare x kSquare square at a uniformly random position per image.
void draw_squares(Tensor& x, PhiloxRng& rng) {
  std::fill(x.data(), x.data() + x.numel(), 0.0f);
  for (int b = 0; b < x.dim(0); ++b) {
    int top = int(rng.next_below(kSize - kSquare + 1)), left = int(rng.next_below(kSize - kSquare + 1));
    for (int y = top; y < top + kSquare; ++y)
      for (int c = left; c < left + kSquare; ++c) x.data()[(size_t(b) * kSize + y) * kSize + c] = 1.0f;
  }
}

struct Autoencoder {
  explicit Autoencoder(PhiloxRng& rng)
      : conv1(1, 16, 4, 2, 1, rng),
        conv2(16, 32, 4, 2, 1, rng),
        encode(32 * 8 * 8, 2, rng),
        decode(2, 32 * 8 * 8, rng),
        deconv1(32, 16, 4, 2, 1, rng),
        deconv2(16, 1, 4, 2, 1, rng) {}

  // x: (B, 1, 32, 32) -> logits (B, 1, 32, 32), through a (B, 2) code. Each ReLU is an op of its own here,
  // to read as the math does; the reference architectures (nn/architectures.cpp) fuse it into the
  // convolution (conv.forward(tape, h, kFusedRelu): the same numbers, one pass over memory fewer).
  Tensor forward(Tape& tape, const Tensor& x) const {
    Tensor h = relu(tape, conv1.forward(tape, x));         // (B, 16, 16, 16)
    h = relu(tape, conv2.forward(tape, h));                // (B, 32, 8, 8)
    Tensor code = encode.forward(tape, flatten(tape, h));  // (B, 2)
    h = relu(tape, decode.forward(tape, code));            // (B, 2048)
    h = reshape(tape, h, {x.dim(0), 32, 8, 8});
    h = relu(tape, deconv1.forward(tape, h));  // (B, 16, 16, 16)
    return deconv2.forward(tape, h);           // (B, 1, 32, 32)
  }

  ParameterList parameters() const {
    ParameterList list;
    conv1.collect(list, "conv1");
    conv2.collect(list, "conv2");
    encode.collect(list, "encode");
    decode.collect(list, "decode");
    deconv1.collect(list, "deconv1");
    deconv2.collect(list, "deconv2");
    return list;
  }

  Conv2d conv1, conv2;
  Linear encode, decode;
  ConvTranspose2d deconv1, deconv2;
};

}  // namespace

int main(int argc, char** argv) {
  return run_program("demo_autoencoder", kUsage, argc, argv, {}, [&](Args& args) {
    const int steps = int(args.integer("steps", 1500)), batch = int(args.integer("batch", 32));
    const long long seed = args.integer("seed", 0);
    args.reject_unknown();
    require(steps >= 1 && batch >= 1, "--steps and --batch must be positive");

    PhiloxRng init_rng{uint64_t(seed)};
    PhiloxRng data_rng = init_rng.split(1);
    Autoencoder model(init_rng);
    ParameterList parameters = model.parameters();
    AdamHyperparameters hyper;
    hyper.learning_rate = 1e-3f;
    Adam adam(parameters, hyper);
    std::printf("demo_autoencoder: %zu parameters, %d steps of batch %d (32x32 squares, 2-number code)\n",
                parameters.total_values(), steps, batch);

    Tensor x = Tensor::zeros({batch, 1, kSize, kSize});
    double start = now_ms(), first_loss = 0, recent_loss = 0;
    const int report_every = std::max(1, steps / 12);
    for (int step = 1; step <= steps; ++step) {
      draw_squares(x, data_rng);
      Tape tape;
      // Bernoulli reconstruction loss: summed over pixels, averaged over the batch (as disentanglement_lib).
      Tensor loss =
          scale(tape, bce_with_logits(tape, model.forward(tape, x), x, Reduction::Sum), 1.0f / batch);
      adam.zero_grad();
      tape.backward(loss);
      adam.step();
      if (step == 1) first_loss = loss.item();
      recent_loss = 0.9 * recent_loss + 0.1 * loss.item();
      if (step == 10) recent_loss = loss.item();
      if (step % report_every == 0 || step == steps)
        std::printf("step %5d   loss %8.2f   (%.0f steps/s)\n", step, loss.item(),
                    step * 1e3 / (now_ms() - start));
    }
    std::printf(
        "\nreconstruction loss fell from %.1f to %.1f nats per image (an all-grey guess costs %.1f)\n",
        first_loss, recent_loss, double(kSize * kSize) * 0.6931);
    std::printf(
        "next: `make test` runs every test; docs/ has the design, the benchmarks and the reproductions.\n");
    return 0;
  });
}
