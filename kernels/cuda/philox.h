// Philox4x32-10 fills on the GPU: the same streams as kernels/cpu/philox.h. Element i of a fill that
// starts at counter c is word i % 4 of block c + i / 4, so one thread per block of four reproduces the
// CPU exactly. The raw words and the [0, 1) uniform fill are bit-identical to the CPU (a rescaled
// [low, high) fill to an ulp, as the compilers may fuse low + (high - low) * u differently); the normal fill
// follows the CPU's Box-Muller step for step, but the device's logf/cosf/sinf may differ from the host's by
// an ulp or two, so normals agree to ~1e-6 relative, not bit for bit.
//
// Fills do not advance any generator: the caller passes the counter and advances its PhiloxRng by
// philox_blocks_used(n) (as PhiloxRng::fill_* does), which keeps CPU and GPU streams in step.
#pragma once
#include <cstddef>
#include <cstdint>

namespace untangle::cuda {

inline uint64_t philox_blocks_used(size_t n) {
  return (n + 3) / 4;
}

// out: n device floats. Uniform in [low, high), computed as low + (high - low) * u like the CPU.
void philox_fill_uniform(float* out, size_t n, uint64_t seed, uint64_t counter, float low = 0.0f,
                         float high = 1.0f);
void philox_fill_normal(float* out, size_t n, uint64_t seed, uint64_t counter, float mean = 0.0f,
                        float stddev = 1.0f);
// The raw words (4 per block), for testing the bijection itself: out holds 4 * blocks uint32s.
void philox_blocks(uint32_t* out, size_t blocks, uint64_t seed, uint64_t counter);

// ---- fills inside a CUDA graph (kernels/cuda/graph.h) -------------------------------------------------
// A graph replays each kernel with the arguments it was captured with, so a fill captured at counter c
// would draw the same numbers on every replay. Fills queued while a capture is in progress therefore add a
// device-side offset to their counter; the captured step ends with advance_captured_counters(blocks drawn
// per step), so replay k draws exactly what the k-th step run eagerly would have. One graph at a time.
void begin_captured_counters();  // queues offset = 0; fills queued from now on read the offset
void end_captured_counters();    // fills queued from now on ignore it again
void advance_captured_counters(uint64_t blocks);  // queues offset += blocks

}  // namespace untangle::cuda
