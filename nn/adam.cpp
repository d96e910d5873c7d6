#include "nn/adam.h"

namespace untangle {

Adam::Adam(ParameterList parameters, AdamHyperparameters hyperparameters)
    : parameters_(std::move(parameters)), hyperparameters_(hyperparameters) {
  for (const NamedTensor& p : parameters_.items()) {
    first_moments_.push_back(Tensor::zeros(p.tensor.shape()));
    second_moments_.push_back(Tensor::zeros(p.tensor.shape()));
  }
}

void Adam::step() {
  ++step_;
  const auto& items = parameters_.items();
  for (size_t i = 0; i < items.size(); ++i) {
    const Tensor& p = items[i].tensor;
    adam_update(p.data(), p.grad(), first_moments_[i].data(), second_moments_[i].data(), p.numel(), hyperparameters_,
                step_);
  }
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
