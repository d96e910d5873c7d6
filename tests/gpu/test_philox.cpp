// The device Philox against the CPU's: raw words and [0, 1) uniforms bit for bit, at counters that cross
// the 32-bit boundary of the counter's low word, with lengths that are not multiples of four; rescaled
// uniforms to an ulp; normals to 1e-5 of their scale (the device's logf/sinf/cosf are a few ulp from the
// host's, and sqrt(-2 log u1) amplifies that near u1 = 1 only mildly).
#include <doctest/doctest.h>

#include "gpu_test_helpers.h"
#include "kernels/cuda/philox.h"

using namespace untangle;
using namespace untangle::testing;

TEST_CASE("cuda philox: the same words and uniforms as the CPU, bit for bit") {
  if (!gpu_available_or_skip()) return;
  for (uint64_t seed : {0ull, 42ull, 0x123456789ABCDEFull})
    for (uint64_t counter : {0ull, 5ull, 0xFFFFFFF0ull}) {
      const size_t blocks = 1001;
      cuda::DeviceBuffer<uint32_t> words_d(4 * blocks);
      cuda::philox_blocks(words_d.data(), blocks, seed, counter);
      auto words = words_d.to_host();
      bool same = true;
      for (size_t b = 0; b < blocks; ++b) {
        PhiloxBlock expected = philox_block(seed, counter + b);
        for (int j = 0; j < 4; ++j) same = same && words[4 * b + j] == expected[j];
      }
      CHECK(same);

      const size_t n = 4003;  // not a multiple of 4: the last block is used in part
      std::vector<float> uniform(n);
      PhiloxRng rng(seed, counter);
      rng.fill_uniform(uniform.data(), n);
      CHECK(rng.counter() == counter + cuda::philox_blocks_used(n));
      auto uniform_d = poisoned(n);
      cuda::philox_fill_uniform(uniform_d.data(), n, seed, counter);
      CHECK(uniform_d.to_host() == uniform);
    }
  std::printf("test_gpu: philox words and uniform fills bit-identical to the CPU\n");
}

TEST_CASE("cuda philox: rescaled uniforms and normals close to the CPU") {
  if (!gpu_available_or_skip()) return;
  const size_t n = 100003;
  PhiloxRng rng(7, 123);
  std::vector<float> ranged(n), normal(n);
  rng.fill_uniform(ranged.data(), n, -2.0f, 3.0f);
  rng.fill_normal(normal.data(), n, 0.5f, 2.0f);
  auto ranged_d = poisoned(n), normal_d = poisoned(n);
  cuda::philox_fill_uniform(ranged_d.data(), n, 7, 123, -2.0f, 3.0f);
  cuda::philox_fill_normal(normal_d.data(), n, 7, 123 + cuda::philox_blocks_used(n), 0.5f, 2.0f);
  CHECK(report("philox_fill_uniform [-2, 3)", max_relative_error(ranged_d.to_host(), ranged), 1e-6) <= 1e-6);
  CHECK(report("philox_fill_normal (0.5, 2)", max_relative_error(normal_d.to_host(), normal), 1e-5) <= 1e-5);
}
