// The op table (see op_cases.h): the rows, grouped as autograd/ops.h groups the ops, and the few
// functions every consumer of the table shares.
#include "op_cases.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <sstream>
#include <tuple>

#include "op_twins.h"

namespace untangle::testing {

namespace {

// ---- the bounds, each with its reason ----------------------------------------------------------------
const Bound kFiniteDifferences{
    2e-3,
    "central differences with eps 5e-3 (autograd/gradcheck.h) err by the truncation eps^2 |f'''| / 6 and by "
    "the output's float rounding over 2 eps (large for a summed loss); each row's range keeps both under "
    "~1e-3 of the gradient, so 2e-3 relative (plus 5e-4 absolute) passes a right derivative, while a wrong "
    "one errs by order 1"};
const Bound kSameKernels{
    1e-6,
    "the op's own CPU kernels called directly: only float steps the op orders differently "
    "(scaling a mean, adding a bias) can differ, by a few ulps of the scale"};
const Bound kNaiveReference{
    1e-5,
    "the fast kernel (packed, FMA, blocked sums) against the naive loop: float sums of K "
    "terms in another order differ by ~1e-7 sqrt(K) of the scale, K <= 100 here"};
const Bound kExactCopy{0.0, "data movement: the same floats land in the same places, bit for bit"};
const Bound kCudaFp32{1e-4,
                      "fp32 on both devices with sums in another order (tree reductions, cuBLAS, tiled "
                      "convolutions) over up to 10^5 terms: ~1e-7 sqrt(n) of the scale, under 1e-4"};

Bound not_applicable(const char* why) {
  return Bound{-1.0, why};
}

// ---- inputs ----------------------------------------------------------------------------------------------
// Uniform in [low, high).
OpInput uniform(Shape shape, Shape model_shape, float low = -1.0f, float high = 1.0f) {
  return OpInput{std::move(shape), std::move(model_shape), low, high, false, true};
}
// |v| in [low, high) with a random sign: clear of a kink at 0 by more than the finite-difference eps.
OpInput either_sign(Shape shape, Shape model_shape, float low, float high) {
  return OpInput{std::move(shape), std::move(model_shape), low, high, true, true};
}
// An input that receives no gradient (targets; a tensor that only lends its shape and device).
OpInput constant(Shape shape, Shape model_shape, float low, float high) {
  return OpInput{std::move(shape), std::move(model_shape), low, high, false, false};
}

using Binary = Tensor (*)(Tape&, const Tensor&, const Tensor&);
using Unary = Tensor (*)(Tape&, const Tensor&);
OpCall binary_call(Binary op) {
  return [op](Tape& t, const std::vector<Tensor>& x) { return op(t, x[0], x[1]); };
}
OpCall unary_call(Unary op) {
  return [op](Tape& t, const std::vector<Tensor>& x) { return op(t, x[0]); };
}

std::string axis_variant(int axis, bool keep_dim) {
  return "axis " + std::to_string(axis) + (keep_dim ? ", keep_dim" : "");
}
std::string reduction_variant(Reduction r) {
  return r == Reduction::None ? "none" : r == Reduction::Sum ? "sum" : "mean";
}

// ---- rows ------------------------------------------------------------------------------------------------
// b is positive (in [0.5, 2)): keeps div away from 0. Each pairing: (small a, small b, model a, model b).
void add_elementwise_rows(std::vector<OpCase>& rows) {
  struct Pairing {
    const char* what;
    Shape a, b, model_a, model_b;
  };
  const Pairing pairings[] = {{"same shape", {4, 3}, {4, 3}, {64, 10}, {64, 10}},
                              {"with a scalar", {4, 3}, {}, {64, 10}, {}},
                              {"per row", {6, 5}, {5}, {64, 10}, {10}},
                              {"per channel", {2, 3, 4, 4}, {1, 3, 1, 1}, {8, 32, 5, 5}, {1, 32, 1, 1}},
                              {"both stretched", {3, 1}, {2, 1, 4}, {64, 1}, {2, 1, 10}}};
  const std::tuple<const char*, Binary, BinaryOp> ops[] = {{"add", add, BinaryOp::Add},
                                                           {"sub", sub, BinaryOp::Sub},
                                                           {"mul", mul, BinaryOp::Mul},
                                                           {"div", untangle::div, BinaryOp::Div}};
  for (const auto& [name, op, kernel_op] : ops)
    for (const Pairing& p : pairings)
      rows.push_back({name,
                      std::string(p.what) + " " + shape_string(p.a) + " " + shape_string(p.b),
                      binary_call(op),
                      {uniform(p.a, p.model_a), uniform(p.b, p.model_b, 0.5f, 2.0f)},
                      kFiniteDifferences,
                      kSameKernels,
                      kCudaFp32,
                      binary_twin(kernel_op)});
  rows.push_back({"add_scalar",
                  "+ 0.7",
                  [](Tape& t, const std::vector<Tensor>& x) { return add_scalar(t, x[0], 0.7f); },
                  {uniform({3, 4}, {64, 10})},
                  kFiniteDifferences,
                  kSameKernels,
                  kCudaFp32,
                  binary_with_scalar_twin(BinaryOp::Add, 0.7f)});
  rows.push_back({"scale",
                  "* -1.5",
                  [](Tape& t, const std::vector<Tensor>& x) { return scale(t, x[0], -1.5f); },
                  {uniform({3, 4}, {64, 10})},
                  kFiniteDifferences,
                  kSameKernels,
                  kCudaFp32,
                  binary_with_scalar_twin(BinaryOp::Mul, -1.5f)});
}

void add_activation_rows(std::vector<OpCase>& rows) {
  const Shape small{7, 13}, model{64, 32, 4, 4};
  // Smooth functions on [-3, 3]; the ones with a kink at 0 on magnitudes [0.1, 3) of either sign.
  const std::tuple<const char*, Unary, Activation, bool> ops[] = {
      {"relu", relu, Activation::Relu, true},
      {"sigmoid", sigmoid, Activation::Sigmoid, false},
      {"tanh", untangle::tanh, Activation::Tanh, false},
      {"exp", untangle::exp, Activation::Exp, false},
      {"softplus", softplus, Activation::Softplus, false},
      {"abs", untangle::abs, Activation::Abs, true},
      {"square", square, Activation::Square, false},
      {"erf", untangle::erf, Activation::Erf, false}};
  for (const auto& [name, op, f, kinked] : ops)
    rows.push_back({name,
                    "",
                    unary_call(op),
                    {kinked ? either_sign(small, model, 0.1f, 3.0f) : uniform(small, model, -3.0f, 3.0f)},
                    kFiniteDifferences,
                    kSameKernels,
                    kCudaFp32,
                    activation_twin(f)});
  rows.push_back({"leaky_relu",
                  "slope 0.3",
                  [](Tape& t, const std::vector<Tensor>& x) { return leaky_relu(t, x[0], 0.3f); },
                  {either_sign(small, model, 0.1f, 3.0f)},
                  kFiniteDifferences,
                  kSameKernels,
                  kCudaFp32,
                  activation_twin(Activation::LeakyRelu, 0.3f)});
  // log is defined for positive inputs only; from 0.2 the finite differences' truncation error,
  // eps^2 / (3 x^2) of the slope 1/x, stays under 2e-4 of it.
  rows.push_back({"log",
                  "",
                  unary_call(untangle::log),
                  {uniform(small, model, 0.2f, 4.0f)},
                  kFiniteDifferences,
                  kSameKernels,
                  kCudaFp32,
                  activation_twin(Activation::Log)});
}

void add_reduction_rows(std::vector<OpCase>& rows) {
  const Shape small{4, 3, 5}, model{16, 12, 10};
  rows.push_back({"sum",
                  "all",
                  [](Tape& t, const std::vector<Tensor>& x) { return sum(t, x[0]); },
                  {uniform(small, model)},
                  kFiniteDifferences,
                  kSameKernels,
                  kCudaFp32,
                  sum_all_twin(false)});
  rows.push_back({"mean",
                  "all",
                  [](Tape& t, const std::vector<Tensor>& x) { return mean(t, x[0]); },
                  {uniform(small, model)},
                  kFiniteDifferences,
                  kSameKernels,
                  kCudaFp32,
                  sum_all_twin(true)});
  // Every axis position, a negative axis, and keep_dim.
  const std::pair<int, bool> axes[] = {{0, false}, {1, true}, {-1, false}};
  for (const auto& [axis, keep] : axes) {
    rows.push_back({"sum",
                    axis_variant(axis, keep),
                    [axis = axis, keep = keep](Tape& t, const std::vector<Tensor>& x) {
                      return sum(t, x[0], axis, keep);
                    },
                    {uniform(small, model)},
                    kFiniteDifferences,
                    kSameKernels,
                    kCudaFp32,
                    sum_along_axis_twin(axis, false)});
    rows.push_back({"mean",
                    axis_variant(axis, keep),
                    [axis = axis, keep = keep](Tape& t, const std::vector<Tensor>& x) {
                      return mean(t, x[0], axis, keep);
                    },
                    {uniform(small, model)},
                    kFiniteDifferences,
                    kSameKernels,
                    kCudaFp32,
                    sum_along_axis_twin(axis, true)});
    rows.push_back({"logsumexp",
                    axis_variant(axis, keep),
                    [axis = axis, keep = keep](Tape& t, const std::vector<Tensor>& x) {
                      return logsumexp(t, x[0], axis, keep);
                    },
                    {uniform(small, model, -4.0f, 4.0f)},
                    kFiniteDifferences,
                    kSameKernels,
                    kCudaFp32,
                    logsumexp_twin(axis)});
  }
}

void add_dense_rows(std::vector<OpCase>& rows) {
  rows.push_back({"matmul",
                  "",
                  binary_call(matmul),
                  {uniform({5, 7}, {64, 256}), uniform({7, 4}, {256, 10})},
                  kFiniteDifferences,
                  kNaiveReference,
                  kCudaFp32,
                  matmul_reference_twin()});
  // The model sizes: a 1024 -> 256 layer at batch 64, weights at the scale of an initialised layer.
  rows.push_back(
      {"linear",
       "with bias",
       [](Tape& t, const std::vector<Tensor>& x) { return linear(t, x[0], x[1], x[2]); },
       {uniform({5, 7}, {64, 1024}), uniform({4, 7}, {256, 1024}, -0.05f, 0.05f), uniform({4}, {256})},
       kFiniteDifferences,
       kNaiveReference,
       kCudaFp32,
       linear_reference_twin(true)});
  rows.push_back({"linear",
                  "without bias",
                  [](Tape& t, const std::vector<Tensor>& x) { return linear(t, x[0], x[1], Tensor()); },
                  {uniform({5, 7}, {64, 256}), uniform({4, 7}, {10, 256}, -0.1f, 0.1f)},
                  kFiniteDifferences,
                  kNaiveReference,
                  kCudaFp32,
                  linear_reference_twin(false)});
}

// A convolution geometry: the input at test and model size, output channels, kernel, stride, padding.
struct ConvGeometry {
  Shape input, model_input;
  int out_channels, model_out_channels, kernel, stride, padding;
};

std::string conv_variant(const ConvGeometry& c) {
  return "k" + std::to_string(c.kernel) + " s" + std::to_string(c.stride) + " p" + std::to_string(c.padding) +
         (c.model_input.empty() ? ""
                                : " (model " + shape_string(c.model_input) + " -> " +
                                      std::to_string(c.model_out_channels) + " channels)");
}

// The reference encoder's layers (k4 s2 p1, k4 s2 p2 for SAME padding, k2 s2 p0) and an odd k3 s1 p1.
void add_conv_rows(std::vector<OpCase>& rows) {
  const ConvGeometry convs[] = {{{2, 1, 8, 8}, {64, 1, 64, 64}, 3, 32, 4, 2, 1},
                                {{2, 2, 7, 7}, {64, 3, 64, 64}, 3, 32, 4, 2, 2},
                                {{2, 3, 6, 6}, {64, 32, 16, 16}, 2, 64, 2, 2, 0},
                                {{2, 3, 6, 6}, {64, 64, 8, 8}, 2, 64, 4, 2, 1},
                                {{2, 2, 5, 5}, {}, 2, 0, 3, 1, 1}};
  for (const ConvGeometry& c : convs) {
    const int in_channels = c.input[1], model_in = c.model_input.empty() ? 0 : c.model_input[1];
    const auto model = [&](Shape s) { return c.model_input.empty() ? Shape{} : s; };
    rows.push_back({"conv2d",
                    conv_variant(c),
                    [s = c.stride, p = c.padding](Tape& t, const std::vector<Tensor>& x) {
                      return conv2d(t, x[0], x[1], x[2], s, p);
                    },
                    {uniform(c.input, c.model_input),
                     uniform({c.out_channels, in_channels, c.kernel, c.kernel},
                             model({c.model_out_channels, model_in, c.kernel, c.kernel}), -0.2f, 0.2f),
                     uniform({c.out_channels}, model({c.model_out_channels}))},
                    kFiniteDifferences,
                    kNaiveReference,
                    kCudaFp32,
                    conv2d_reference_twin(c.stride, c.padding)});
  }
  // The decoder's transposed layers, (B, C, h, w) -> (B, O, 2h, 2w) at k4 s2 p1, and odd ones.
  const ConvGeometry transposed[] = {{{2, 3, 4, 4}, {64, 64, 4, 4}, 2, 64, 4, 2, 1},
                                     {{2, 2, 3, 3}, {64, 32, 32, 32}, 1, 1, 4, 2, 1},
                                     {{2, 2, 3, 3}, {64, 32, 32, 32}, 3, 3, 4, 2, 1},
                                     {{2, 2, 3, 3}, {}, 3, 0, 3, 1, 1},
                                     {{2, 1, 2, 2}, {}, 2, 0, 2, 2, 0}};
  for (const ConvGeometry& c : transposed) {
    const int in_channels = c.input[1], model_in = c.model_input.empty() ? 0 : c.model_input[1];
    const auto model = [&](Shape s) { return c.model_input.empty() ? Shape{} : s; };
    rows.push_back({"conv_transpose2d",
                    conv_variant(c),
                    [s = c.stride, p = c.padding](Tape& t, const std::vector<Tensor>& x) {
                      return conv_transpose2d(t, x[0], x[1], x[2], s, p);
                    },
                    {uniform(c.input, c.model_input),
                     uniform({in_channels, c.out_channels, c.kernel, c.kernel},
                             model({model_in, c.model_out_channels, c.kernel, c.kernel}), -0.2f, 0.2f),
                     uniform({c.out_channels}, model({c.model_out_channels}))},
                    kFiniteDifferences,
                    kNaiveReference,
                    kCudaFp32,
                    conv_transpose2d_reference_twin(c.stride, c.padding)});
  }
  // With the ReLU fused (OutputActivation::Relu), one layer of each kind. Finite differences must not
  // cross the kink: each bias is at least 0.3 from 0 and |weight| <= 0.02, so the convolution's part of
  // every pre-activation is at most 12 taps x 0.02 = 0.24 (k2 from 3 channels; the transposed k4 s2 reads
  // 2 channels x 2 x 2 taps), and a step of eps = 5e-3 in one input moves it by at most 5e-3: 0.05 clear of
  // the kink. The channels are on or off by their bias's sign. (Without a bias nothing keeps the
  // pre-activations off the kink; tests/autograd/test_tape_and_values.cpp checks that case against the
  // separate ReLU, bit for bit.)
  rows.push_back({"conv2d",
                  "k2 s2 p0, ReLU fused",
                  [](Tape& t, const std::vector<Tensor>& in) {
                    return conv2d(t, in[0], in[1], in[2], 2, 0, OutputActivation::Relu);
                  },
                  {uniform({2, 3, 6, 6}, {}), uniform({6, 3, 2, 2}, {}, -0.02f, 0.02f),
                   either_sign({6}, {}, 0.3f, 1.0f)},
                  kFiniteDifferences,
                  kNaiveReference,
                  kCudaFp32,
                  with_fused_relu(conv2d_reference_twin(2, 0))});
  rows.push_back({"conv_transpose2d",
                  "k4 s2 p1, ReLU fused",
                  [](Tape& t, const std::vector<Tensor>& in) {
                    return conv_transpose2d(t, in[0], in[1], in[2], 2, 1, OutputActivation::Relu);
                  },
                  {uniform({2, 2, 3, 3}, {}), uniform({2, 6, 4, 4}, {}, -0.02f, 0.02f),
                   either_sign({6}, {}, 0.3f, 1.0f)},
                  kFiniteDifferences,
                  kNaiveReference,
                  kCudaFp32,
                  with_fused_relu(conv_transpose2d_reference_twin(2, 1))});
}

// The generators' seed inside the permuting ops' calls: every call (finite differences call many times)
// draws the same permutation, and the twin draws it again.
constexpr uint64_t kPermutationSeed = 99;

void add_shape_rows(std::vector<OpCase>& rows) {
  const Bound no_kernel = not_applicable("moves no data: the output shares x's storage under a new shape");
  rows.push_back({"reshape",
                  "to (3, -1)",
                  [](Tape& t, const std::vector<Tensor>& x) {
                    return reshape(t, x[0], {3, -1});
                  },
                  {uniform({2, 3, 2}, {})},
                  kFiniteDifferences,
                  no_kernel,
                  kExactCopy,
                  nullptr});
  rows.push_back({"flatten",
                  "",
                  unary_call(flatten),
                  {uniform({2, 3, 2, 2}, {8, 3, 6, 6})},
                  kFiniteDifferences,
                  no_kernel,
                  kExactCopy,
                  nullptr});
  // Three parts, the first one twice: its gradient gathers from two places.
  const std::tuple<int, Shape, Shape, Shape, Shape> concats[] = {
      {0, {2, 3, 2}, {1, 3, 2}, {}, {}},
      {1, {2, 3, 2}, {2, 1, 2}, {8, 3, 6, 6}, {8, 2, 6, 6}},
      {-1, {2, 3, 2}, {2, 3, 3}, {}, {}}};
  for (const auto& [axis, a, b, model_a, model_b] : concats)
    rows.push_back({"concat",
                    "(x0, x1, x0) " + axis_variant(axis, false),
                    [axis = axis](Tape& t, const std::vector<Tensor>& x) {
                      return concat(t, {x[0], x[1], x[0]}, axis);
                    },
                    {uniform(a, model_a), uniform(b, model_b)},
                    kFiniteDifferences,
                    kExactCopy,
                    kExactCopy,
                    concat_twin({0, 1, 0}, axis)});
  rows.push_back({"slice",
                  "axis 1 [1, 3)",
                  [](Tape& t, const std::vector<Tensor>& x) { return slice(t, x[0], 1, 1, 3); },
                  {uniform({2, 4, 3}, {8, 4, 6, 6})},
                  kFiniteDifferences,
                  kExactCopy,
                  kExactCopy,
                  slice_twin(1, 1, 3)});
  rows.push_back({"slice",
                  "axis 2 [1, 5)",
                  [](Tape& t, const std::vector<Tensor>& x) { return slice(t, x[0], 2, 1, 5); },
                  {uniform({2, 3, 6, 2}, {8, 3, 6, 6})},
                  kFiniteDifferences,
                  kExactCopy,
                  kExactCopy,
                  slice_twin(2, 1, 5)});
  rows.push_back({"shuffle_columns",
                  "",
                  [](Tape& t, const std::vector<Tensor>& x) {
                    PhiloxRng permutations(kPermutationSeed);
                    return shuffle_columns(t, x[0], permutations);
                  },
                  {uniform({6, 3}, {64, 10})},
                  kFiniteDifferences,
                  kExactCopy,
                  kExactCopy,
                  shuffle_columns_twin(kPermutationSeed)});
  rows.push_back({"permute_rows",
                  "",
                  [](Tape& t, const std::vector<Tensor>& x) {
                    PhiloxRng permutation(kPermutationSeed);
                    return permute_rows(t, x[0], permutation);
                  },
                  {uniform({5, 4}, {32, 10})},
                  kFiniteDifferences,
                  kExactCopy,
                  kExactCopy,
                  permute_rows_twin(kPermutationSeed)});
}

// box_blur, normal_noise and stop_gradient: each has a check the table cannot express, named in its row.
void add_filter_noise_and_flow_rows(std::vector<OpCase>& rows) {
  const Bound blur_twin = not_applicable(
      "box_blur_planes (running sums) is checked against the direct window sum in "
      "tests/autograd/test_box_blur.cpp");
  rows.push_back({"box_blur",
                  "radius 2",
                  [](Tape& t, const std::vector<Tensor>& x) { return box_blur(t, x[0], 2); },
                  {uniform({2, 2, 6, 7}, {})},
                  kFiniteDifferences,
                  blur_twin,
                  kCudaFp32,
                  nullptr});
  // disent's box_r31 on 64x64 images; the CUDA version convolves by FFT (kernels/cuda/box_blur_fft.h).
  rows.push_back({"box_blur",
                  "radius 31 (disent's box_r31)",
                  [](Tape& t, const std::vector<Tensor>& x) { return box_blur(t, x[0], 31); },
                  {uniform({1, 1, 8, 8}, {16, 3, 64, 64}, 0.0f, 1.0f)},
                  kFiniteDifferences,
                  blur_twin,
                  Bound{1e-4,
                        "fp32 FFT of a 64x64 plane: rounding ~1e-7 log2(4096) of the input's scale, and "
                        "images in [0, 1) keep the output at the input's scale"},
                  nullptr});
  // The input only lends its shape and device; the generator starts at the same place on both devices.
  rows.push_back(
      {"normal_noise",
       "seed 5, counter 17",
       [](Tape&, const std::vector<Tensor>& x) {
         PhiloxRng rng(5, 17);
         return normal_noise(x[0].shape(), x[0].device(), rng);
       },
       {constant({4, 5}, {64, 10}, 0.0f, 1.0f)},
       not_applicable("random values: nothing to differentiate"),
       not_applicable("the CPU op is PhiloxRng::fill_normal itself; tests/kernels/test_philox.cpp checks "
                      "the stream against Random123's known answers and the fills' moments"),
       Bound{1e-6,
             "the same Philox words on both devices; only Box-Muller's logf, sqrtf and cosf may "
             "round differently on the GPU, by an ulp or two"},
       nullptr});
  rows.push_back({"stop_gradient",
                  "",
                  [](Tape&, const std::vector<Tensor>& x) { return stop_gradient(x[0]); },
                  {constant({3, 4}, {64, 10}, -1.0f, 1.0f)},
                  not_applicable("no gradient flows by design (finite differences would see the identity); "
                                 "tests/autograd/test_box_blur.cpp checks that the gradient stops"),
                  not_applicable("no kernel: a copy of the values on the same device"),
                  kExactCopy,
                  nullptr});
}

void add_loss_rows(std::vector<OpCase>& rows) {
  // model: a batch of 64x64 reconstructions. The small ranges keep a summed loss small: its float
  // rounding, divided by the finite differences' 2 eps, must stay under the gradient's tolerance.
  const Shape small{3, 2, 4}, model{64, 1, 64, 64};
  for (Reduction r : {Reduction::None, Reduction::Sum, Reduction::Mean}) {
    rows.push_back({"bce_with_logits",
                    reduction_variant(r),
                    [r](Tape& t, const std::vector<Tensor>& x) { return bce_with_logits(t, x[0], x[1], r); },
                    {uniform(small, model, -4.0f, 4.0f), constant(small, model, 0.0f, 1.0f)},
                    kFiniteDifferences,
                    kSameKernels,
                    kCudaFp32,
                    bce_with_logits_twin(r)});
    rows.push_back({"mse",
                    reduction_variant(r),
                    [r](Tape& t, const std::vector<Tensor>& x) { return mse(t, x[0], x[1], r); },
                    {uniform(small, model, -1.0f, 1.0f), uniform(small, model, 0.0f, 1.0f)},
                    kFiniteDifferences,
                    kSameKernels,
                    kCudaFp32,
                    mse_twin(r)});
  }
  // logvar in [-3, 1]: the variances a trained encoder reports.
  rows.push_back({"gaussian_kl",
                  "",
                  binary_call(gaussian_kl),
                  {uniform({4, 3}, {64, 10}, -2.0f, 2.0f), uniform({4, 3}, {64, 10}, -3.0f, 1.0f)},
                  kFiniteDifferences,
                  kSameKernels,
                  kCudaFp32,
                  gaussian_kl_twin()});
}

}  // namespace

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> rows = [] {
    std::vector<OpCase> all;
    add_elementwise_rows(all);
    add_activation_rows(all);
    add_reduction_rows(all);
    add_dense_rows(all);
    add_conv_rows(all);
    add_shape_rows(all);
    add_filter_noise_and_flow_rows(all);
    add_loss_rows(all);
    return all;
  }();
  return rows;
}

std::vector<Tensor> make_inputs(const OpCase& row, bool model_sized, uint64_t seed) {
  PhiloxRng rng(seed);
  std::vector<Tensor> inputs;
  for (const OpInput& spec : row.inputs) {
    const Shape& shape = model_sized && !spec.model_shape.empty() ? spec.model_shape : spec.shape;
    Tensor t = Tensor::zeros(shape);
    rng.fill_uniform(t.data(), t.numel(), spec.low, spec.high);
    if (spec.either_sign)
      for (size_t i = 0; i < t.numel(); ++i)
        if (rng.next_uniform() < 0.5f) t.data()[i] = -t.data()[i];
    t.set_requires_grad(spec.differentiable);
    inputs.push_back(t);
  }
  return inputs;
}

std::vector<float> upstream_gradient(size_t count) {
  std::vector<float> weights(count);
  for (size_t i = 0; i < count; ++i) weights[i] = 0.5f + float(i % 7) * 0.25f;
  return weights;
}

OpOutputs run_through_tape(const OpCase& row, const std::vector<Tensor>& inputs, Device device) {
  std::vector<Tensor> on_device;  // fresh leaves, so that gradients do not mix between runs
  bool any_differentiable = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    on_device.push_back(Tensor::from_vector(inputs[i].to_vector(), inputs[i].shape(), device));
    on_device.back().set_requires_grad(row.inputs[i].differentiable);
    any_differentiable = any_differentiable || row.inputs[i].differentiable;
  }
  Tape tape;
  Tensor y = row.call(tape, on_device);
  if (any_differentiable) {
    Tensor upstream = Tensor::from_vector(upstream_gradient(y.numel()), y.shape(), device);
    tape.backward(sum(tape, mul(tape, y, upstream)));
  }
  OpOutputs outputs{y.to_vector(), {}};
  for (size_t i = 0; i < on_device.size(); ++i)
    outputs.gradients.push_back(row.inputs[i].differentiable ? on_device[i].grad_vector()
                                                             : std::vector<float>());
  return outputs;
}

double error_relative_to_scale(const std::vector<float>& got, const std::vector<float>& expected) {
  if (got.size() != expected.size()) return std::numeric_limits<double>::infinity();
  double worst = 0.0, scale = 0.0;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (!std::isfinite(got[i]) || !std::isfinite(expected[i])) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, std::abs(double(got[i]) - double(expected[i])));
    scale = std::max(scale, std::abs(double(expected[i])));
  }
  return scale > 0.0 ? worst / scale : worst;
}

std::vector<std::string> ops_declared_in(const std::string& header_text) {
  // `Type name(` at the start of a line, the type perhaps qualified (`inline`, `const T&`); `return f(` is a
  // call.
  static const std::regex declaration(
      R"(^\s*(?:(?:inline|static|constexpr|const)\s+)*([A-Za-z_][\w:<>,]*)[\s&*]+([A-Za-z_]\w*)\s*\()");
  std::vector<std::string> names;
  std::istringstream lines(header_text);
  std::string line;
  while (std::getline(lines, line)) {
    line = line.substr(0, line.find("//"));
    std::smatch match;
    if (!std::regex_search(line, match, declaration) || match[1] == "return") continue;
    if (std::find(names.begin(), names.end(), match[2].str()) == names.end()) names.push_back(match[2]);
  }
  return names;
}

std::vector<std::string> ops_without_row(const std::vector<std::string>& declared,
                                         const std::vector<OpCase>& rows) {
  std::vector<std::string> missing;
  for (const std::string& name : declared)
    if (std::none_of(rows.begin(), rows.end(), [&](const OpCase& row) { return row.op == name; }))
      missing.push_back(name);
  return missing;
}

}  // namespace untangle::testing
