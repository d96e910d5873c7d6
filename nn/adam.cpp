#include "nn/adam.h"

#include "autograd/dispatch.h"
#include "core/check.h"

namespace untangle {

Adam::Adam(ParameterList parameters, AdamHyperparameters hyperparameters)
    : parameters_(std::move(parameters)), hyperparameters_(hyperparameters) {
  for (const NamedTensor& p : parameters_.items()) {
    first_moments_.push_back(Tensor::zeros(p.tensor.shape(), p.tensor.device()));
    second_moments_.push_back(Tensor::zeros(p.tensor.shape(), p.tensor.device()));
  }
}

void Adam::set_steps_taken(long long steps) {
  require(steps >= 0 && steps <= (1LL << 62), "Adam: step count ", steps,
          " read from the checkpoint is out of range (0 to 2^62; corrupt checkpoint?)");
  step_ = steps;
}

void Adam::step() {
  ++step_;
  const auto& items = parameters_.items();
  if (items.empty()) return;
  on_device(
      items[0].tensor.device(), [&] { step_on_cuda(); }, [&] { step_on_cpu(); });
}

void Adam::step_on_cpu() {
  const auto& items = parameters_.items();
  for (size_t i = 0; i < items.size(); ++i) {
    const Tensor& p = items[i].tensor;
    require(!p.on_cuda(), "Adam: parameters on different devices (", items[0].name, " and ", items[i].name,
            ")");
    first_moments_[i].move_to(Device::CPU);
    second_moments_[i].move_to(Device::CPU);
    adam_update(p.data(), p.grad(), first_moments_[i].data(), second_moments_[i].data(), p.numel(),
                hyperparameters_, step_);
  }
}

// An out-of-line function is compiled in every build, so its CUDA calls sit in a discarded branch here
// (on_device discards only the call of this function, autograd/dispatch.h).
void Adam::step_on_cuda() {
  if constexpr (kCudaCompiled) {
    const auto& items = parameters_.items();
    std::vector<cuda::AdamTensor> tensors;
    std::vector<const float*> pointers;
    for (size_t i = 0; i < items.size(); ++i) {
      const Tensor& p = items[i].tensor;
      require(p.on_cuda(), "Adam: parameters on different devices (", items[0].name, " and ", items[i].name,
              ")");
      first_moments_[i].move_to(Device::CUDA);  // no-ops once the moments are there
      second_moments_[i].move_to(Device::CUDA);
      tensors.push_back({p.storage(), p.grad_storage(), first_moments_[i].storage(),
                         second_moments_[i].storage(), p.numel()});
      pointers.insert(pointers.end(),
                      {tensors.back().param, tensors.back().grad, tensors.back().m, tensors.back().v});
    }
    // The kernel's table of buffers is built once and rebuilt only if a buffer moved (a checkpoint load).
    if (!fused_ || pointers != fused_pointers_) {
      fused_ = std::make_shared<cuda::FusedAdam>(tensors);
      fused_pointers_ = pointers;
    }
    fused_->update(hyperparameters_, step_, true);
    gradients_cleared_ = true;
  }
}

void Adam::zero_grad() {
  if (gradients_cleared_) {  // the fused CUDA update already did it
    gradients_cleared_ = false;
    return;
  }
  parameters_.zero_grad();
}

ParameterList Adam::state(const std::string& prefix) const {
  ParameterList state;
  const auto& items = parameters_.items();
  for (size_t i = 0; i < items.size(); ++i) {
    state.add(prefix + ".m." + items[i].name, first_moments_[i]);
    state.add(prefix + ".v." + items[i].name, second_moments_[i]);
  }
  return state;
}

}  // namespace untangle
