// Every row of the op table (tests/common/op_cases.h) against its CPU twin: the op run through the tape,
// against its kernels called directly (kernels/cpu/activation.h, broadcast.h, reduce.h, copy.h, losses.h)
// or, for the ops on the fast GEMM and convolution kernels, against their naive *_reference loops — the
// output and every input's gradient, for the same upstream gradient. These CPU kernels are the ground
// truth the CUDA kernels are tested against. Below the table: the kernel-level checks that are not a row.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "autograd/ops.h"
#include "common/op_cases.h"
#include "common/op_twins.h"
#include "core/check.h"
#include "kernels/cpu/activation.h"
#include "kernels/cpu/broadcast.h"
#include "kernels/cpu/reduce.h"

using namespace untangle;
using namespace untangle::testing;

TEST_CASE("every op in the table matches its cpu twin, forward and backward") {
  const std::vector<OpCase>& rows = op_cases();
  for (size_t i = 0; i < rows.size(); ++i) {
    const OpCase& row = rows[i];
    if (!row.cpu_twin.applies()) continue;
    REQUIRE(row.twin);
    const std::vector<Tensor> inputs = make_inputs(row, false, 800 + i);
    const OpOutputs op = run_through_tape(row, inputs, Device::CPU);
    const OpOutputs twin = row.twin(inputs, upstream_gradient(op.output.size()));
    INFO(row.name() << " (bound " << row.cpu_twin.value << ": " << row.cpu_twin.why << ")");
    CHECK(error_relative_to_scale(twin.output, op.output) <= row.cpu_twin.value);
    for (size_t k = 0; k < inputs.size(); ++k) {
      if (!row.inputs[k].differentiable) continue;
      INFO("gradient of input " << k);
      CHECK(error_relative_to_scale(twin.gradients[k], op.gradients[k]) <= row.cpu_twin.value);
    }
  }
}

TEST_CASE("the (rows, cols) reduction kernels are the views of the axis kernels") {
  PhiloxRng rng(802);
  std::vector<float> x(37 * 23);
  rng.fill_uniform(x.data(), x.size(), -3.0f, 3.0f);
  std::vector<float> total(1), rows(37), columns(23), lse(37), by_axis_total(1), by_axis_rows(37),
      by_axis_columns(23), by_axis_lse(37);
  sum_all(x.data(), x.size(), total.data());
  sum_rows(x.data(), 37, 23, rows.data());
  sum_columns(x.data(), 37, 23, columns.data());
  logsumexp_rows(x.data(), 37, 23, lse.data());
  sum_axis(x.data(), 1, 37 * 23, 1, by_axis_total.data());
  sum_axis(x.data(), 37, 23, 1, by_axis_rows.data());
  sum_axis(x.data(), 1, 37, 23, by_axis_columns.data());
  logsumexp_axis(x.data(), 37, 23, 1, by_axis_lse.data());
  // Both sum in double and round once; the order of the terms may differ: 1e-6 of the scale.
  CHECK(error_relative_to_scale(total, by_axis_total) <= 1e-6);
  CHECK(error_relative_to_scale(rows, by_axis_rows) <= 1e-6);
  CHECK(error_relative_to_scale(columns, by_axis_columns) <= 1e-6);
  CHECK(error_relative_to_scale(lse, by_axis_lse) <= 1e-6);
}

TEST_CASE("activation_backward writes (accumulate = false) what it adds (true), over whatever dx held") {
  // The write path fills a first gradient's uninitialised buffer: here NaN, which an add would keep.
  PhiloxRng rng(803);
  const size_t n = 50000;  // long enough for both threads
  std::vector<float> x(n), dy(n), y(n);
  rng.fill_uniform(x.data(), n, 0.1f, 3.0f);  // positive: log's domain, and away from relu's kink
  rng.fill_uniform(dy.data(), n, -1.0f, 1.0f);
  for (Activation f : {Activation::Relu, Activation::Sigmoid, Activation::Log, Activation::Square}) {
    CAPTURE(activation_name(f));
    activation_forward(f, x.data(), y.data(), n);
    std::vector<float> added(n, 0.0f), written(n, std::nanf(""));
    activation_backward(f, x.data(), y.data(), dy.data(), added.data(), n, 0.2f, true);
    activation_backward(f, x.data(), y.data(), dy.data(), written.data(), n, 0.2f, false);
    CHECK(written == added);
  }
}

TEST_CASE("plan_broadcast refuses shapes that do not broadcast") {
  CHECK_THROWS_AS(plan_broadcast({3, 4}, {5}), Error);
  CHECK_THROWS_AS(plan_broadcast({2, 3}, {3, 2}), Error);
}

TEST_CASE("shuffle_columns and permute_rows draw as much from the generator as their twins") {
  // The table's twins redraw the permutations from the same seed; here the generators must also end at
  // the same counter, or a model's later draws would differ between the op and the kernels.
  Tensor z = Tensor::zeros({6, 3});
  Tape tape = Tape::evaluation();
  PhiloxRng for_op(99), for_twin(99);
  shuffle_columns(tape, z, for_op);
  for (int j = 0; j < 3; ++j) fisher_yates_permutation(6, for_twin);
  CHECK(for_op.counter() == for_twin.counter());
  PhiloxRng rows_for_op(98), rows_for_twin(98);
  permute_rows(tape, z, rows_for_op);
  fisher_yates_permutation(6, rows_for_twin);
  CHECK(rows_for_op.counter() == rows_for_twin.counter());
}
