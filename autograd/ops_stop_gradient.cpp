// stop_gradient: a copy of the values in a fresh tensor that no recorded op leads back from, so the
// tape never pushes a gradient through it. Used, for example, by FactorVAE: the discriminator's loss
// sees the codes through stop_gradient (it must not train the encoder), and the VAE's total-correlation
// term sees the discriminator's weights through it (it must not train the discriminator).
#include "autograd/ops.h"

namespace untangle {

Tensor stop_gradient(const Tensor& x) {
  Tensor copy = Tensor::empty(x.shape(), x.device());
  copy_floats(x.storage(), x.device(), copy.storage(), x.device(), x.numel());
  return copy;
}

}  // namespace untangle
