// Philox4x32-10 on the CPU; kernels/cuda/philox.cu is the device twin that must give the same words.
#include "kernels/cpu/philox.h"

#include <cmath>

namespace untangle {

namespace {
// Round multipliers and Weyl key increments from Salmon et al. (2011), Table 2.
constexpr uint32_t kMultiplier0 = 0xD2511F53u;
constexpr uint32_t kMultiplier1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u;  // golden ratio
constexpr uint32_t kWeyl1 = 0xBB67AE85u;  // sqrt(3) - 1

inline void mul_hi_lo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  uint64_t product = uint64_t(a) * uint64_t(b);
  hi = uint32_t(product >> 32);
  lo = uint32_t(product);
}
}  // namespace

PhiloxBlock philox4x32_10(PhiloxBlock counter, uint32_t k0, uint32_t k1) {
  uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, lo0, hi1, lo1;
    mul_hi_lo(kMultiplier0, c0, hi0, lo0);
    mul_hi_lo(kMultiplier1, c2, hi1, lo1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0, c1 = n1, c2 = n2, c3 = n3;
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
  return {c0, c1, c2, c3};
}

void PhiloxRng::fill_uniform(float* out, size_t n) {
  for (size_t i = 0; i < n; i += 4) {
    PhiloxBlock block = philox_block(seed_, counter_ + i / 4);
    for (size_t j = 0; j < 4 && i + j < n; ++j) out[i + j] = uniform_from_bits(block[j]);
  }
  counter_ += (n + 3) / 4;
}

void PhiloxRng::fill_uniform(float* out, size_t n, float low, float high) {
  fill_uniform(out, n);
  for (size_t i = 0; i < n; ++i) out[i] = low + (high - low) * out[i];
}

void PhiloxRng::fill_normal(float* out, size_t n, float mean, float stddev) {
  const float two_pi = 6.28318530717958647692f;
  for (size_t i = 0; i < n; i += 4) {
    PhiloxBlock block = philox_block(seed_, counter_ + i / 4);
    float pair[4];
    for (int p = 0; p < 2; ++p) {
      // Shift by half a step so u1 is never 0 (log(0) = -inf).
      float u1 = (float(block[2 * p] >> 8) + 0.5f) * (1.0f / 16777216.0f);
      float u2 = uniform_from_bits(block[2 * p + 1]);
      float radius = std::sqrt(-2.0f * std::log(u1));
      pair[2 * p] = radius * std::cos(two_pi * u2);
      pair[2 * p + 1] = radius * std::sin(two_pi * u2);
    }
    for (size_t j = 0; j < 4 && i + j < n; ++j) out[i + j] = mean + stddev * pair[j];
  }
  counter_ += (n + 3) / 4;
}

uint32_t PhiloxRng::next_u32() {
  return philox_block(seed_, counter_++)[0];
}

uint64_t PhiloxRng::next_below(uint64_t n) {
  if (n <= 1) return 0;
  // 64-bit draw from one block; reject the sliver that would bias small results.
  for (;;) {
    PhiloxBlock block = philox_block(seed_, counter_++);
    uint64_t x = (uint64_t(block[0]) << 32) | block[1];
    unsigned __int128 m = (unsigned __int128)x * n;
    uint64_t low = uint64_t(m);
    if (low >= (-n) % n) return uint64_t(m >> 64);
  }
}

double PhiloxRng::next_normal() {
  PhiloxBlock block = philox_block(seed_, counter_++);
  double u1 = (double(block[0]) + 0.5) / 4294967296.0, u2 = double(block[1]) / 4294967296.0;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

PhiloxRng PhiloxRng::split(uint64_t stream_id) const {
  // Mix the stream id into the key with a 64-bit finaliser so neighbouring ids give unrelated keys.
  uint64_t key = seed_ ^ (stream_id + 0x9E3779B97F4A7C15ull + (seed_ << 6) + (seed_ >> 2));
  key ^= key >> 33;
  key *= 0xFF51AFD7ED558CCDull;
  key ^= key >> 33;
  return PhiloxRng(key, 0);
}

}  // namespace untangle
