// Data movement on the GPU against kernels/cpu/copy.h: copies are exact, so the results must be equal
// bit for bit (accumulating copies too: each element gets the same single float addition).
#include <doctest/doctest.h>

#include <numeric>

#include "gpu_test_helpers.h"
#include "kernels/cpu/copy.h"
#include "kernels/cuda/copy.h"

using namespace untangle;
using namespace untangle::testing;

TEST_CASE("cuda strided row copies (concat and slice) equal the CPU's") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(761);
  // A (64, 3, 64, 64) part placed at channel 2 of a (64, 8, 64, 64) output, and sliced back out.
  const size_t rows = 64, width = 3 * 64 * 64, wide = 8 * 64 * 64, offset = 2 * 64 * 64;
  auto part = random_floats(rows * width, rng), whole = random_floats(rows * wide, rng);
  for (bool accumulate : {false, true}) {
    std::vector<float> into_whole = whole, out_of_whole = part;
    copy_strided_rows(part.data(), width, 0, into_whole.data(), wide, offset, rows, width, accumulate);
    copy_strided_rows(whole.data(), wide, offset, out_of_whole.data(), width, 0, rows, width, accumulate);
    auto part_d = to_device(part), whole_d = to_device(whole), into_d = to_device(whole),
         out_d = to_device(part);
    cuda::copy_strided_rows(part_d.data(), width, 0, into_d.data(), wide, offset, rows, width, accumulate);
    cuda::copy_strided_rows(whole_d.data(), wide, offset, out_d.data(), width, 0, rows, width, accumulate);
    CHECK(into_d.to_host() == into_whole);
    CHECK(out_d.to_host() == out_of_whole);
  }
  std::printf("test_gpu: copy_strided_rows (concat/slice, copy and accumulate) bit-identical to the CPU\n");
}

TEST_CASE("cuda column gather and scatter-add (shuffle_columns) equal the CPU's") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(762);
  const int B = 256, D = 10;
  std::vector<int> source(size_t(B) * D);
  for (int j = 0; j < D; ++j) {  // one random permutation per column (Fisher-Yates)
    int* perm = source.data() + size_t(j) * B;
    std::iota(perm, perm + B, 0);
    for (int i = B - 1; i > 0; --i) std::swap(perm[i], perm[rng.next_below(uint64_t(i) + 1)]);
  }
  auto z = random_floats(size_t(B) * D, rng), d_out = random_floats(size_t(B) * D, rng);
  auto d_z = random_floats(size_t(B) * D, rng);
  std::vector<float> out(size_t(B) * D);
  auto z_d = to_device(z), d_out_d = to_device(d_out), d_z_d = to_device(d_z), out_d = poisoned(out.size());
  cuda::DeviceBuffer<int> source_d(source);
  gather_columns(z.data(), source.data(), B, D, out.data());
  scatter_add_columns(d_out.data(), source.data(), B, D, d_z.data());
  cuda::gather_columns(z_d.data(), source_d.data(), B, D, out_d.data());
  cuda::scatter_add_columns(d_out_d.data(), source_d.data(), B, D, d_z_d.data());
  CHECK(out_d.to_host() == out);
  CHECK(d_z_d.to_host() == d_z);
  std::printf("test_gpu: gather_columns / scatter_add_columns bit-identical to the CPU\n");
}
