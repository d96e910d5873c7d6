// Shared by the GPU tests: skipping (once, visibly) where there is no device, random inputs from the
// project's generator, and the error measure every test reports.
//
// Error measure: max_i |gpu_i - cpu_i| / max_i |cpu_i| — the worst element's error relative to the
// output's scale (a per-element relative error would blow up where an output happens to be near zero).
// A NaN anywhere (outputs are poisoned with NaN before each kernel runs) makes it infinite.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cpu/philox.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/device.h"

namespace untangle::testing {

// Whether these tests are built against the CUDA emulator (tests/cuda_emulator: the CUDA code run on the
// CPU, one GPU thread at a time). There the tests that convolve or train whole reference batches use
// smaller ones — the same layer shapes and code paths, fewer images and steps — or they would take hours.
#ifdef UNTANGLE_CUDA_EMULATOR
inline constexpr bool kEmulated = true;
#else
inline constexpr bool kEmulated = false;
#endif

// `on_gpu` on a real device, `emulated` under the emulator.
template <typename T>
T gpu_or_emulated(T on_gpu, T emulated) {
  return kEmulated ? emulated : on_gpu;
}

// True when a CUDA device is present. Otherwise prints one line (the first time only) and returns false;
// each test then returns early and passes, so `make test` stays green on machines without a GPU.
inline bool gpu_available_or_skip() {
  static const bool available = [] {
    if (kEmulated) {
      std::printf(
          "test_gpu: running on the CUDA emulator (tests/cuda_emulator): smaller batches, no timing\n");
      return true;
    }
    std::string why;
    if (cuda_device_count(&why) > 0) return true;
    std::printf("test_gpu: skipped - no CUDA device (%s)\n", why.c_str());
    return false;
  }();
  return available;
}

inline std::vector<float> random_floats(size_t n, PhiloxRng& rng, float low = -1.0f, float high = 1.0f) {
  std::vector<float> v(n);
  rng.fill_uniform(v.data(), n, low, high);
  return v;
}

inline double max_relative_error(const std::vector<float>& gpu, const std::vector<float>& cpu) {
  if (gpu.size() != cpu.size()) return std::numeric_limits<double>::infinity();
  double worst = 0.0, scale = 0.0;
  for (size_t i = 0; i < cpu.size(); ++i) {
    if (!std::isfinite(gpu[i])) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, std::abs(double(gpu[i]) - double(cpu[i])));
    scale = std::max(scale, std::abs(double(cpu[i])));
  }
  return scale > 0.0 ? worst / scale : worst;
}

// One report line per comparison, e.g. "test_gpu: conv2d_forward B64 1->32 64x64 k4 s2 p1   1.2e-07 (<=
// 1e-04)".
inline double report(const std::string& what, double error, double bound) {
  std::printf("test_gpu: %-58s max rel err %.2e (bound %.0e)%s\n", what.c_str(), error, bound,
              error <= bound ? "" : "  FAILED");
  return error;
}

// A device copy of host data, and a device buffer of n floats poisoned with NaN (every output element
// must be written by the kernel under test).
inline cuda::DeviceBuffer<float> to_device(const std::vector<float>& host) {
  return cuda::DeviceBuffer<float>(host);
}
inline cuda::DeviceBuffer<float> poisoned(size_t n) {
  cuda::DeviceBuffer<float> buffer(n);
  buffer.fill_bytes(0xFF);
  return buffer;
}

}  // namespace untangle::testing
