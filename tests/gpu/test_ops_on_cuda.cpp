// Every row of the op table (tests/common/op_cases.h) on CUDA tensors against the same op on the CPU: the
// output and the gradient of each input, at the sizes the models use (a row's model shapes), with the bound
// and reason the row gives. The gradients come from the loss sum(y * w) with a fixed, non-uniform w
// (upstream_gradient), so every element of dy differs. Below the table: what is not an op's row.
#include <doctest/doctest.h>

#include "autograd/ops.h"
#include "common/op_cases.h"
#include "gpu_test_helpers.h"

using namespace untangle;
using namespace untangle::testing;

namespace {

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

TEST_CASE("every op in the table on cuda matches the cpu") {
  if (!gpu_available_or_skip()) return;
  const std::vector<OpCase>& rows = op_cases();
  for (size_t i = 0; i < rows.size(); ++i) {
    const OpCase& row = rows[i];
    if (!row.cuda.applies()) continue;
    const std::vector<Tensor> inputs = make_inputs(row, true, 300 + i);
    const OpOutputs cpu = run_through_tape(row, inputs, Device::CPU);
    const OpOutputs gpu = run_through_tape(row, inputs, Device::CUDA);
    const double bound = row.cuda.value;
    INFO(row.name() << " (bound " << bound << ": " << row.cuda.why << ")");
    CHECK(report(row.name() + " forward", error_relative_to_scale(gpu.output, cpu.output), bound) <= bound);
    for (size_t k = 0; k < inputs.size(); ++k)
      if (row.inputs[k].differentiable)
        CHECK(report(row.name() + " d input " + std::to_string(k),
                     error_relative_to_scale(gpu.gradients[k], cpu.gradients[k]), bound) <= bound);
  }
}

TEST_CASE("normal_noise advances the generator as far on cuda as on the cpu") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng on_cpu(5, 17), on_gpu(5, 17);
  normal_noise({64, 10}, Device::CPU, on_cpu);
  normal_noise({64, 10}, Device::CUDA, on_gpu);
  CHECK(on_cpu.counter() == on_gpu.counter());
}
