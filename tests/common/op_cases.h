// The table of op test cases: one row per configuration of every op declared in autograd/ops.h. The row
// says how to call the op, the shapes and value ranges of its inputs, and for each of the three
// comparisons the bound and why it is that bound:
//   gradient  the op's backward pass against central finite differences tests/autograd/test_op_gradients.cpp
//   cpu twin  the op against its kernels called directly (or their naive    tests/kernels/test_cpu_twins.cpp
//             reference versions) on the same inputs and upstream gradient
//   cuda      the op on CUDA tensors against the same op on the CPU          tests/gpu/test_ops_on_cuda.cpp
// A comparison that does not apply to a row carries a bound below zero and says why. Shapes are chosen per
// row (as in ggml-org/ggml/tests/test-backend-ops.cpp), values are random from a generator seeded by the row.
// tests/autograd/test_op_table.cpp fails when an op declared in autograd/ops.h has no row.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "autograd/ops.h"

namespace untangle::testing {

using OpCall = std::function<Tensor(Tape&, const std::vector<Tensor>&)>;

// One input of a row: where its random values come from, and its shapes.
struct OpInput {
  Shape shape;  // gradient and CPU-twin checks: small, as finite differences call the op twice per element
  Shape model_shape;  // the CUDA comparison: a size the models run at (empty: `shape` again)
  float low = -1.0f, high = 1.0f;
  bool either_sign = false;    // magnitudes in [low, high) with a random sign: stays clear of a kink at 0
  bool differentiable = true;  // false: targets, or a tensor that only lends its shape; no gradient compared
};

// A comparison's bound (on the error measure the comparison uses) and the reason for that number. A bound
// below zero: the comparison does not apply to the row, and `why` says why.
struct Bound {
  double value;
  std::string why;
  bool applies() const { return value >= 0.0; }
};

// What a run of an op gives: its output, and the gradient of loss = sum(output * upstream) for each input
// (empty for an input that is not differentiable).
struct OpOutputs {
  std::vector<float> output;
  std::vector<std::vector<float>> gradients;
};

// The kernel-level twin of a row: the same output and input gradients computed by calling the CPU kernels
// (or their *_reference versions) directly, given the inputs and the upstream gradient d loss / d output.
using CpuTwin =
    std::function<OpOutputs(const std::vector<Tensor>& inputs, const std::vector<float>& upstream)>;

struct OpCase {
  std::string op;       // the function's name as declared in autograd/ops.h
  std::string variant;  // what this row covers beyond the name: "(6, 5) + (5)", "axis -1, keep_dim"
  OpCall call;
  std::vector<OpInput> inputs;
  Bound gradient;  // GradcheckOptions::relative_tolerance (absolute tolerance a quarter of it)
  Bound cpu_twin;  // worst |difference| / largest |value|, over the output and every gradient
  Bound cuda;      // the same measure, CUDA against CPU
  CpuTwin twin;    // empty where cpu_twin does not apply

  std::string name() const { return variant.empty() ? op : op + " " + variant; }
};

// Every row, in the order of autograd/ops.h.
const std::vector<OpCase>& op_cases();

// Random inputs for a row (model-sized ones for the CUDA comparison), on the CPU, from a generator seeded
// by `seed`; differentiable inputs have requires_grad set.
std::vector<Tensor> make_inputs(const OpCase& row, bool model_sized, uint64_t seed);

// The upstream gradient d loss / d output every comparison uses: fixed, and different for neighbouring
// elements (0.5, 0.75, ..., 2.0, repeating), so that a gradient sent to the wrong element shows.
std::vector<float> upstream_gradient(size_t count);

// Runs the row's op on copies of `inputs` moved to `device` and back-propagates sum(output * upstream).
OpOutputs run_through_tape(const OpCase& row, const std::vector<Tensor>& inputs, Device device);

// max_i |got_i - expected_i| / max_i |expected_i| (the worst error relative to the values' scale, so an
// element that happens to be near zero does not blow it up); infinite for a size mismatch or a NaN.
double error_relative_to_scale(const std::vector<float>& got, const std::vector<float>& expected);

// The names of the functions declared in a header's text (lines of the form `Type name(`, comments
// dropped), each once, in order of appearance.
std::vector<std::string> ops_declared_in(const std::string& header_text);
// The names in `declared` that no row of `rows` covers.
std::vector<std::string> ops_without_row(const std::vector<std::string>& declared,
                                         const std::vector<OpCase>& rows);

}  // namespace untangle::testing
