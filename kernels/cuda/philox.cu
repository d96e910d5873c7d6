// Philox4x32-10 on the device, written from Salmon et al. (2011) like kernels/cpu/philox.cpp (same
// constants, same round structure) so the two give the same words.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/philox.h"
#include "kernels/cuda/stream.h"

namespace untangle::cuda {

namespace {

struct Block4 {
  uint32_t w[4];
};

__device__ Block4 philox4x32_10(uint64_t seed, uint64_t counter) {
  uint32_t c0 = uint32_t(counter), c1 = uint32_t(counter >> 32), c2 = 0u, c3 = 0u;
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    const uint32_t hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
    const uint32_t hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
    const uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0, c1 = n1, c2 = n2, c3 = n3;
    k0 += 0x9E3779B9u;  // golden ratio
    k1 += 0xBB67AE85u;  // sqrt(3) - 1
  }
  return {{c0, c1, c2, c3}};
}

// Top 24 bits as a float in [0, 1), exactly as uniform_from_bits.
__device__ float uniform_from_bits(uint32_t bits) {
  return float(bits >> 8) * (1.0f / 16777216.0f);
}

// The offset that fills captured in a graph add to their counter (see philox.h), and whether fills queued
// now read it (a host flag, passed to each kernel as an argument).
__device__ uint64_t captured_counter_offset = 0;
bool fills_read_offset = false;

__device__ uint64_t start_counter(uint64_t counter, bool read_offset) {
  return read_offset ? counter + captured_counter_offset : counter;
}

__global__ void set_offset(uint64_t value) {
  captured_counter_offset = value;
}
__global__ void add_to_offset(uint64_t blocks) {
  captured_counter_offset += blocks;
}

// One thread per block of four numbers.
__global__ void fill_uniform_kernel(float* out, size_t n, uint64_t seed, uint64_t counter, bool read_offset,
                                    float low, float high) {
  counter = start_counter(counter, read_offset);
  const size_t blocks = (n + 3) / 4;
  for (size_t b = blockIdx.x * size_t(blockDim.x) + threadIdx.x; b < blocks;
       b += size_t(gridDim.x) * blockDim.x) {
    const Block4 words = philox4x32_10(seed, counter + b);
    for (int j = 0; j < 4 && 4 * b + j < n; ++j) {
      // With (low, high) = (0, 1) this is exactly u; otherwise host and device may contract it to an FMA
      // differently, so a rescaled fill can differ from the CPU's by an ulp.
      out[4 * b + j] = low + (high - low) * uniform_from_bits(words.w[j]);
    }
  }
}

__global__ void fill_normal_kernel(float* out, size_t n, uint64_t seed, uint64_t counter, bool read_offset,
                                   float mean, float stddev) {
  counter = start_counter(counter, read_offset);
  const float two_pi = 6.28318530717958647692f;
  const size_t blocks = (n + 3) / 4;
  for (size_t b = blockIdx.x * size_t(blockDim.x) + threadIdx.x; b < blocks;
       b += size_t(gridDim.x) * blockDim.x) {
    const Block4 words = philox4x32_10(seed, counter + b);
    float pair[4];
    for (int p = 0; p < 2; ++p) {
      // Half a step up so u1 is never 0, as the CPU does.
      const float u1 = (float(words.w[2 * p] >> 8) + 0.5f) * (1.0f / 16777216.0f);
      const float u2 = uniform_from_bits(words.w[2 * p + 1]);
      const float radius = sqrtf(-2.0f * logf(u1));
      pair[2 * p] = radius * cosf(two_pi * u2);
      pair[2 * p + 1] = radius * sinf(two_pi * u2);
    }
    for (int j = 0; j < 4 && 4 * b + j < n; ++j) out[4 * b + j] = mean + stddev * pair[j];
  }
}

__global__ void blocks_kernel(uint32_t* out, size_t blocks, uint64_t seed, uint64_t counter) {
  for (size_t b = blockIdx.x * size_t(blockDim.x) + threadIdx.x; b < blocks;
       b += size_t(gridDim.x) * blockDim.x) {
    const Block4 words = philox4x32_10(seed, counter + b);
    for (int j = 0; j < 4; ++j) out[4 * b + j] = words.w[j];
  }
}

}  // namespace

void philox_fill_uniform(float* out, size_t n, uint64_t seed, uint64_t counter, float low, float high) {
  if (n == 0) return;
  fill_uniform_kernel<<<blocks_for(philox_blocks_used(n)), kThreadsPerBlock, 0, stream()>>>(
      out, n, seed, counter, fills_read_offset, low, high);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::philox_fill_uniform");
}

void philox_fill_normal(float* out, size_t n, uint64_t seed, uint64_t counter, float mean, float stddev) {
  if (n == 0) return;
  fill_normal_kernel<<<blocks_for(philox_blocks_used(n)), kThreadsPerBlock, 0, stream()>>>(
      out, n, seed, counter, fills_read_offset, mean, stddev);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::philox_fill_normal");
}

void philox_blocks(uint32_t* out, size_t blocks, uint64_t seed, uint64_t counter) {
  if (blocks == 0) return;
  blocks_kernel<<<blocks_for(blocks), kThreadsPerBlock, 0, stream()>>>(out, blocks, seed, counter);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::philox_blocks");
}

void begin_captured_counters() {
  set_offset<<<1, 1, 0, stream()>>>(0);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::begin_captured_counters");
  fills_read_offset = true;
}

void end_captured_counters() {
  fills_read_offset = false;
}

void advance_captured_counters(uint64_t blocks) {
  add_to_offset<<<1, 1, 0, stream()>>>(blocks);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::advance_captured_counters");
}

}  // namespace untangle::cuda
