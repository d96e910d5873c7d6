// Philox4x32-10: the counter-based random number generator every random draw in untangle comes from.
//
// A counter-based generator maps (key, counter) -> 4 random 32-bit words with a fixed bijection, so
// the n-th number of a stream can be computed without computing the ones before it. That is what lets
// a CUDA kernel (one thread per element) reproduce the CPU stream exactly, and lets a resumed training
// run continue the same stream: the whole state is (seed, counter).
// Reference: Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011 (constants below).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace untangle {

using PhiloxBlock = std::array<uint32_t, 4>;

// The raw bijection: 10 rounds of Philox4x32 on a 128-bit counter under a 64-bit key.
PhiloxBlock philox4x32_10(PhiloxBlock counter, uint32_t key0, uint32_t key1);

// untangle's streams: the 64-bit seed is the key, the 64-bit counter fills the counter's low words.
inline PhiloxBlock philox_block(uint64_t seed, uint64_t counter) {
  return philox4x32_10({uint32_t(counter), uint32_t(counter >> 32), 0u, 0u}, uint32_t(seed),
                       uint32_t(seed >> 32));
}

// Maps a 32-bit word to a float in [0, 1) using its top 24 bits (exact in float32).
inline float uniform_from_bits(uint32_t bits) {
  return float(bits >> 8) * (1.0f / 16777216.0f);
}

// A stream position. Element i of a fill that starts at counter c is word i % 4 of block c + i / 4,
// so fills are index-parallel; a fill of n numbers advances the counter by ceil(n / 4).
class PhiloxRng {
 public:
  explicit PhiloxRng(uint64_t seed, uint64_t counter = 0) : seed_(seed), counter_(counter) {}

  uint64_t seed() const { return seed_; }
  uint64_t counter() const { return counter_; }
  void set_counter(uint64_t counter) { counter_ = counter; }

  // out[i] uniform in [0, 1).
  void fill_uniform(float* out, size_t n);
  // out[i] uniform in [low, high).
  void fill_uniform(float* out, size_t n, float low, float high);
  // out[i] standard normal (Box-Muller on the words (0,1) and (2,3) of each block).
  void fill_normal(float* out, size_t n, float mean = 0.0f, float stddev = 1.0f);

  // Single draws (each uses one whole block; convenient for samplers, not for bulk data).
  uint32_t next_u32();
  float next_uniform() { return uniform_from_bits(next_u32()); }
  // Uniform integer in [0, n) without modulo bias (Lemire's multiply-shift with rejection).
  uint64_t next_below(uint64_t n);
  double next_normal();

  // A new independent stream for a sub-task: same seed family, different key.
  PhiloxRng split(uint64_t stream_id) const;

 private:
  uint64_t seed_;
  uint64_t counter_;
};

}  // namespace untangle
