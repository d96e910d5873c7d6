// Fused multi-tensor Adam against kernels/cpu/adam.cpp, tensor by tensor, over several steps (the state
// m, v carries over, so errors would compound). Tensors of sizes around the 8192-element chunk edges.
// Bound 1e-6: the same float expression per element; host and device may fuse multiply-adds differently,
// so a step can differ by an ulp, and ten steps by a few.
#include <doctest/doctest.h>

#include "gpu_test_helpers.h"
#include "kernels/cpu/adam.h"
#include "kernels/cuda/adam.h"

using namespace untangle;
using namespace untangle::testing;

TEST_CASE("cuda fused Adam matches the CPU update on every tensor") {
  if (!gpu_available_or_skip()) return;
  PhiloxRng rng(721);
  const std::vector<size_t> sizes = {1, 10, 8191, 8192, 8193, 32 * 16 * 32, 100000};
  AdamHyperparameters h;
  h.learning_rate = 1e-3f;

  struct Host {
    std::vector<float> param, grad, m, v;
  };
  std::vector<Host> host;
  std::vector<cuda::DeviceBuffer<float>> device;  // param, grad, m, v per tensor
  std::vector<cuda::AdamTensor> tensors;
  for (size_t n : sizes) {
    host.push_back({random_floats(n, rng), random_floats(n, rng), std::vector<float>(n, 0.0f),
                    std::vector<float>(n, 0.0f)});
    for (auto* v : {&host.back().param, &host.back().grad, &host.back().m, &host.back().v})
      device.emplace_back(*v);
  }
  for (size_t t = 0; t < sizes.size(); ++t)
    tensors.push_back({device[4 * t].data(), device[4 * t + 1].data(), device[4 * t + 2].data(),
                       device[4 * t + 3].data(), sizes[t]});
  cuda::FusedAdam adam(tensors);

  for (long long step = 1; step <= 10; ++step) {
    for (size_t t = 0; t < sizes.size(); ++t) {  // new gradients each step, the same on both sides
      host[t].grad = random_floats(sizes[t], rng);
      device[4 * t + 1].copy_from_host(host[t].grad);
      adam_update(host[t].param.data(), host[t].grad.data(), host[t].m.data(), host[t].v.data(), sizes[t], h,
                  step);
    }
    adam.update(h, step, /*clear_gradients=*/step % 2 == 0);  // the even steps also clear the gradients
    if (step % 2 == 0)
      for (size_t t = 0; t < sizes.size(); ++t)
        CHECK(device[4 * t + 1].to_host() == std::vector<float>(sizes[t], 0.0f));
  }
  double worst = 0.0;
  for (size_t t = 0; t < sizes.size(); ++t) {
    worst = std::max(worst, max_relative_error(device[4 * t].to_host(), host[t].param));
    worst = std::max(worst, max_relative_error(device[4 * t + 2].to_host(), host[t].m));
    worst = std::max(worst, max_relative_error(device[4 * t + 3].to_host(), host[t].v));
  }
  CHECK(report("fused adam, 7 tensors, 10 steps (param, m, v)", worst, 1e-6) <= 1e-6);
}
