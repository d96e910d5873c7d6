// Random tensors. The CPU fills from PhiloxRng directly; the CUDA twin computes the same Philox blocks
// (element i of a fill starting at counter c is word i % 4 of block c + i / 4), so a model trained on
// either device sees the same noise.
#include "autograd/dispatch.h"
#include "autograd/ops.h"
#include "kernels/cuda/philox.h"

namespace untangle {

Tensor normal_noise(const Shape& shape, Device device, PhiloxRng& rng) {
  Tensor noise = Tensor::empty(shape, device);
  on_device(
      device,
      [&] {
        cuda::philox_fill_normal(noise.storage(), noise.numel(), rng.seed(), rng.counter());
        rng.set_counter(rng.counter() + cuda::philox_blocks_used(noise.numel()));
      },
      [&] { rng.fill_normal(noise.data(), noise.numel()); });
  return noise;
}

}  // namespace untangle
