// The device half of Tensor that runs without a GPU: CPU handles, host access rules, and a clear error
// (never a crash) when a CUDA tensor is asked for where none can exist. The CUDA side itself is tested
// in tests/gpu/test_ops_on_cuda.cpp.
#include <doctest/doctest.h>

#include "autograd/ops.h"
#include "core/check.h"

using namespace untangle;

TEST_CASE("to(cpu) and move_to(cpu) keep a CPU tensor as it is") {
  Tensor t = Tensor::from_vector({1, 2, 3}, {3});
  CHECK(t.to(Device::CPU).same_as(t));
  t.move_to(Device::CPU);
  CHECK(t.to_vector() == std::vector<float>{1, 2, 3});
  CHECK(t.storage() == t.data());
  CHECK_FALSE(t.on_cuda());
}

TEST_CASE("copy_from overwrites every value and checks the count") {
  Tensor t = Tensor::zeros({2, 2});
  t.copy_from({4, 3, 2, 1});
  CHECK(t.to_vector() == std::vector<float>{4, 3, 2, 1});
  CHECK_THROWS_WITH_AS(t.copy_from({1, 2, 3}), doctest::Contains("3 values for a tensor of shape (2, 2)"),
                       Error);
}

TEST_CASE("empty makes the shape without filling, zeros and full fill") {
  CHECK(Tensor::empty({2, 3}).numel() == 6);
  CHECK(Tensor::full({2}, 1.5f).to_vector() == std::vector<float>{1.5f, 1.5f});
  CHECK_THROWS_WITH_AS(Tensor::empty({1, 1, 1, 1, 1}), doctest::Contains("at most 4 dimensions"), Error);
}

TEST_CASE("a CUDA tensor without a usable device is a clear error") {
  if (cuda_device_count() > 0) return;  // a GPU machine: tests/gpu covers this path
  // Built without CUDA: the Tensor says so. Built with CUDA but no device: the failing CUDA call is named.
  CHECK_THROWS_AS(Tensor::zeros({2}, Device::CUDA), Error);
  CHECK_THROWS_AS(Tensor::from_vector({1}, {1}).to(Device::CUDA), Error);
  if (!cuda_compiled())
    CHECK_THROWS_WITH_AS(Tensor::zeros({2}, Device::CUDA), doctest::Contains("no CUDA backend"), Error);
}

TEST_CASE("the loss gradient is seeded on the loss's device and adds like every gradient") {
  Tape tape;
  Tensor x = Tensor::from_vector({1, 2}, {2});
  x.set_requires_grad(true);
  Tensor loss = sum(tape, square(tape, x));
  tape.backward(loss);
  CHECK(x.grad_vector() == std::vector<float>{2, 4});
  CHECK(loss.grad_vector() == std::vector<float>{1});
}
