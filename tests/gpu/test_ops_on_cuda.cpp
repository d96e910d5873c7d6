// Every autograd op on CUDA tensors against the same op on the CPU: the output and the gradient of each
// input, for the shapes the models use. The gradients come from the loss sum(y * w) with a fixed,
// non-uniform w, so every element of dy differs. Bound 1e-4 (fp32; the kernels' own tests show the
// per-kernel errors) unless a case says otherwise.
#include <doctest/doctest.h>

#include <functional>

#include "autograd/ops.h"
#include "gpu_test_helpers.h"

using namespace untangle;
using namespace untangle::testing;

namespace {

using OpFunction = std::function<Tensor(Tape&, const std::vector<Tensor>&)>;

struct OpRun {
  std::vector<float> output;
  std::vector<std::vector<float>> gradients;
};

OpRun run_op(const OpFunction& f, const std::vector<Tensor>& inputs, Device device) {
  std::vector<Tensor> xs;
  for (const Tensor& input : inputs) {
    xs.push_back(Tensor::from_vector(input.to_vector(), input.shape(), device));  // fresh leaves per device
    xs.back().set_requires_grad(true);
  }
  Tape tape;
  Tensor y = f(tape, xs);
  std::vector<float> weights(y.numel());
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = 0.5f + float(i % 7) * 0.25f;
  Tensor loss = sum(tape, mul(tape, y, Tensor::from_vector(weights, y.shape(), device)));
  tape.backward(loss);
  OpRun run{y.to_vector(), {}};
  for (const Tensor& x : xs) run.gradients.push_back(x.grad_vector());
  return run;
}

void compare_op(const std::string& name, const OpFunction& f, const std::vector<Tensor>& inputs,
                double bound = 1e-4) {
  const OpRun cpu = run_op(f, inputs, Device::CPU), gpu = run_op(f, inputs, Device::CUDA);
  CHECK(report(name + " forward", max_relative_error(gpu.output, cpu.output), bound) <= bound);
  for (size_t i = 0; i < inputs.size(); ++i)
    CHECK(report(name + " d input " + std::to_string(i),
                 max_relative_error(gpu.gradients[i], cpu.gradients[i]), bound) <= bound);
}

Tensor random_tensor(const Shape& shape, PhiloxRng& rng, float low = -1.0f, float high = 1.0f) {
  return Tensor::from_vector(random_floats(shape_numel(shape), rng, low, high), shape);
}

}  // namespace

TEST_CASE("tensors move between host and device unchanged") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(1);
  Tensor host = random_tensor({3, 5, 7}, rng);
  Tensor device = host.to(Device::CUDA);
  CHECK(device.on_cuda());
  CHECK(device.to_vector() == host.to_vector());
  CHECK(device.to(Device::CPU).to_vector() == host.to_vector());
  CHECK_THROWS_WITH_AS(device.data(), doctest::Contains("is on cuda"), Error);
  Tensor moved = random_tensor({4}, rng);
  const std::vector<float> before = moved.to_vector();
  moved.move_to(Device::CUDA);
  CHECK(moved.on_cuda());
  CHECK(moved.to_vector() == before);
  CHECK(Tensor::full({2, 2}, 3.5f, Device::CUDA).to_vector() == std::vector<float>(4, 3.5f));
}

TEST_CASE("ops refuse tensors on different devices") {
  if (!gpu_available_or_skip()) return;
  Tape tape;
  CHECK_THROWS_WITH_AS(add(tape, Tensor::zeros({2}), Tensor::zeros({2}, Device::CUDA)),
                       doctest::Contains("different devices"), Error);
}

TEST_CASE("elementwise, activation and reduction ops on cuda match the cpu") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(2);
  const std::vector<std::pair<const char*, std::function<Tensor(Tape&, const Tensor&, const Tensor&)>>>
      binaries = {{"add", [](Tape& t, const Tensor& a, const Tensor& b) { return add(t, a, b); }},
                  {"sub", [](Tape& t, const Tensor& a, const Tensor& b) { return sub(t, a, b); }},
                  {"mul", [](Tape& t, const Tensor& a, const Tensor& b) { return mul(t, a, b); }},
                  {"div", [](Tape& t, const Tensor& a, const Tensor& b) { return div(t, a, b); }}};
  const std::vector<std::pair<Shape, Shape>> shapes = {{{64, 10}, {64, 10}},
                                                       {{64, 10}, {}},
                                                       {{64, 10}, {10}},
                                                       {{8, 32, 5, 5}, {1, 32, 1, 1}},
                                                       {{64, 1}, {64, 10}}};
  for (const auto& [name, op] : binaries)
    for (const auto& [a_shape, b_shape] : shapes)
      compare_op(std::string(name) + " " + shape_string(a_shape) + " " + shape_string(b_shape),
                 [op = op](Tape& t, const std::vector<Tensor>& x) { return op(t, x[0], x[1]); },
                 {random_tensor(a_shape, rng), random_tensor(b_shape, rng, 0.5f, 2.0f)});

  const std::vector<std::pair<const char*, std::function<Tensor(Tape&, const Tensor&)>>> unaries = {
      {"relu", [](Tape& t, const Tensor& x) { return relu(t, x); }},
      {"leaky_relu", [](Tape& t, const Tensor& x) { return leaky_relu(t, x, 0.2f); }},
      {"sigmoid", [](Tape& t, const Tensor& x) { return sigmoid(t, x); }},
      {"tanh", [](Tape& t, const Tensor& x) { return tanh(t, x); }},
      {"exp", [](Tape& t, const Tensor& x) { return exp(t, x); }},
      {"log", [](Tape& t, const Tensor& x) { return log(t, abs(t, add_scalar(t, x, 2.0f))); }},
      {"softplus", [](Tape& t, const Tensor& x) { return softplus(t, x); }},
      {"abs", [](Tape& t, const Tensor& x) { return abs(t, x); }},
      {"square", [](Tape& t, const Tensor& x) { return square(t, x); }},
      {"erf", [](Tape& t, const Tensor& x) { return erf(t, x); }}};
  for (const auto& [name, op] : unaries)
    compare_op(name, [op = op](Tape& t, const std::vector<Tensor>& x) { return op(t, x[0]); },
               {random_tensor({64, 32, 4, 4}, rng, -3.0f, 3.0f)});

  const Tensor table = random_tensor({16, 12, 10}, rng, -4.0f, 4.0f);
  compare_op("sum (all)", [](Tape& t, const std::vector<Tensor>& x) { return sum(t, x[0]); }, {table});
  compare_op("mean (all)", [](Tape& t, const std::vector<Tensor>& x) { return mean(t, x[0]); }, {table});
  for (int axis : {0, 1, 2}) {
    const std::string along = " axis " + std::to_string(axis);
    compare_op("sum" + along, [axis](Tape& t, const std::vector<Tensor>& x) { return sum(t, x[0], axis); },
               {table});
    compare_op("mean" + along,
               [axis](Tape& t, const std::vector<Tensor>& x) { return mean(t, x[0], axis, true); }, {table});
    compare_op("logsumexp" + along,
               [axis](Tape& t, const std::vector<Tensor>& x) { return logsumexp(t, x[0], axis); }, {table});
  }
}

TEST_CASE("dense, convolution and blur ops on cuda match the cpu") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(3);
  compare_op("matmul (64x256)(256x10)",
             [](Tape& t, const std::vector<Tensor>& x) { return matmul(t, x[0], x[1]); },
             {random_tensor({64, 256}, rng), random_tensor({256, 10}, rng)});
  compare_op("linear 1024->256 batch 64",
             [](Tape& t, const std::vector<Tensor>& x) { return linear(t, x[0], x[1], x[2]); },
             {random_tensor({64, 1024}, rng), random_tensor({256, 1024}, rng, -0.05f, 0.05f),
              random_tensor({256}, rng)});
  // (input shape, out channels, kernel, stride, padding): the reference encoders' layers.
  struct ConvCase {
    Shape input;
    int out_channels, kernel, stride, padding;
  };
  for (const ConvCase& c : {ConvCase{{64, 1, 64, 64}, 32, 4, 2, 1}, ConvCase{{64, 3, 64, 64}, 32, 4, 2, 2},
                            ConvCase{{64, 32, 16, 16}, 64, 2, 2, 0}, ConvCase{{64, 64, 8, 8}, 64, 4, 2, 1}}) {
    const std::string name = "conv2d " + shape_string(c.input) + " k" + std::to_string(c.kernel) + " s" +
                             std::to_string(c.stride) + " p" + std::to_string(c.padding);
    compare_op(name,
               [c](Tape& t, const std::vector<Tensor>& x) {
                 return conv2d(t, x[0], x[1], x[2], c.stride, c.padding);
               },
               {random_tensor(c.input, rng),
                random_tensor({c.out_channels, c.input[1], c.kernel, c.kernel}, rng, -0.2f, 0.2f),
                random_tensor({c.out_channels}, rng)});
  }
  // The decoder's transposed layers: (B, C, h, w) -> (B, O, 2h, 2w), k4 s2 p1.
  for (const auto& [input, out_channels] : std::vector<std::pair<Shape, int>>{
           {{64, 64, 4, 4}, 64}, {{64, 32, 32, 32}, 1}, {{64, 32, 32, 32}, 3}}) {
    compare_op(
        "conv_transpose2d " + shape_string(input) + " -> " + std::to_string(out_channels) + " k4 s2 p1",
        [](Tape& t, const std::vector<Tensor>& x) { return conv_transpose2d(t, x[0], x[1], x[2], 2, 1); },
        {random_tensor(input, rng), random_tensor({input[1], out_channels, 4, 4}, rng, -0.2f, 0.2f),
         random_tensor({out_channels}, rng)});
  }
  compare_op("box_blur r31 (16, 3, 64, 64)",
             [](Tape& t, const std::vector<Tensor>& x) { return box_blur(t, x[0], 31); },
             {random_tensor({16, 3, 64, 64}, rng, 0.0f,
                            1.0f)});  // images: FFT error is relative to the input's size
}

TEST_CASE("shape ops, losses and noise on cuda match the cpu") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(4);
  const Tensor images = random_tensor({8, 3, 6, 6}, rng);
  compare_op("flatten", [](Tape& t, const std::vector<Tensor>& x) { return flatten(t, x[0]); }, {images});
  compare_op("concat axis 1",
             [](Tape& t, const std::vector<Tensor>& x) {
               return concat(t, {x[0], x[1]}, 1);
             },
             {images, random_tensor({8, 2, 6, 6}, rng)});
  compare_op("slice axis 2", [](Tape& t, const std::vector<Tensor>& x) { return slice(t, x[0], 2, 1, 5); },
             {images});
  // Same seed on both devices: the same permutations.
  compare_op("shuffle_columns (64, 10)",
             [](Tape& t, const std::vector<Tensor>& x) {
               PhiloxRng permutations(99);
               return shuffle_columns(t, x[0], permutations);
             },
             {random_tensor({64, 10}, rng)});
  const Tensor logits = random_tensor({64, 1, 64, 64}, rng, -6.0f, 6.0f),
               targets = random_tensor({64, 1, 64, 64}, rng, 0.0f, 1.0f);
  for (Reduction reduction : {Reduction::None, Reduction::Sum, Reduction::Mean}) {
    const std::string which = reduction == Reduction::None  ? " none"
                              : reduction == Reduction::Sum ? " sum"
                                                            : " mean";
    compare_op("bce_with_logits" + which,
               [reduction](Tape& t, const std::vector<Tensor>& x) {
                 return bce_with_logits(t, x[0], x[1], reduction);
               },
               {logits, targets});
    compare_op("mse" + which,
               [reduction](Tape& t, const std::vector<Tensor>& x) { return mse(t, x[0], x[1], reduction); },
               {logits, targets});
  }
  compare_op("gaussian_kl (64, 10)",
             [](Tape& t, const std::vector<Tensor>& x) { return gaussian_kl(t, x[0], x[1]); },
             {random_tensor({64, 10}, rng), random_tensor({64, 10}, rng, -3.0f, 1.0f)});

  PhiloxRng on_cpu(5, 17), on_gpu(5, 17);
  const std::vector<float> cpu_noise = normal_noise({64, 10}, Device::CPU, on_cpu).to_vector();
  const std::vector<float> gpu_noise = normal_noise({64, 10}, Device::CUDA, on_gpu).to_vector();
  CHECK(report("normal_noise (64, 10), same stream", max_relative_error(gpu_noise, cpu_noise), 1e-6) <= 1e-6);
  CHECK(on_cpu.counter() == on_gpu.counter());

  compare_op("permute_rows (32, 10)",
             [](Tape& t, const std::vector<Tensor>& x) {
               PhiloxRng permutation(98);
               return permute_rows(t, x[0], permutation);
             },
             {random_tensor({32, 10}, rng)});
}
