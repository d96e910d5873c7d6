// The Adam optimiser over a ParameterList: keeps the two moment estimates per parameter and the step
// count, and exposes them as named tensors so a checkpoint can save and restore the whole optimiser.
//
// On the CPU each parameter is updated by kernels/cpu/adam.h; when the parameters are on a CUDA device the
// moments follow them there and one fused kernel (kernels/cuda/adam.h) updates every parameter at once.
#pragma once
#include <memory>
#include <vector>

#include "kernels/cpu/adam.h"
#include "kernels/cuda/adam.h"
#include "nn/parameters.h"

namespace untangle {

class Adam {
 public:
  Adam(ParameterList parameters, AdamHyperparameters hyperparameters);

  // One update from the gradients currently in the parameters; then call zero_grad(). (On a GPU the
  // update clears the gradients as it reads them, and the zero_grad() right after it has nothing to do:
  // so no backward pass may run between step() and zero_grad(), or its gradients would be kept.)
  void step();
  void zero_grad();

  long long steps_taken() const { return step_; }
  // From a checkpoint: a count outside 0..2^62 (a corrupt or crafted file) throws rather than letting
  // the next step() overflow a signed integer.
  void set_steps_taken(long long steps);
  const AdamHyperparameters& hyperparameters() const { return hyperparameters_; }
  const ParameterList& parameters() const { return parameters_; }

  // The moments as "<prefix>.m.<parameter name>" / "<prefix>.v.<parameter name>", for checkpoints.
  ParameterList state(const std::string& prefix) const;

  // The fused CUDA update's device state (its table of buffers and step count), null before the first
  // CUDA step: a captured graph keeps it alive because the graph's kernels read it.
  std::shared_ptr<const void> cuda_state() const { return fused_; }

 private:
  ParameterList parameters_;
  AdamHyperparameters hyperparameters_;
  void step_on_cpu();
  void step_on_cuda();

  std::vector<Tensor> first_moments_, second_moments_;
  long long step_ = 0;
  // The fused CUDA update, built on the first CUDA step. A shared_ptr (not unique_ptr) because its
  // deleter is fixed where it is made — inside `if constexpr (kCudaCompiled)` — so a build without CUDA
  // never needs FusedAdam's destructor.
  std::shared_ptr<cuda::FusedAdam> fused_;
  std::vector<const float*> fused_pointers_;  // the buffers fused_ was built for
  bool gradients_cleared_ = false;            // by the last fused update
};

}  // namespace untangle
