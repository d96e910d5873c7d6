// The Adam optimiser over a ParameterList: keeps the two moment estimates per parameter and the step
// count, and exposes them as named tensors so a checkpoint can save and restore the whole optimiser.
#pragma once
#include <vector>

#include "kernels/cpu/adam.h"
#include "nn/parameters.h"

namespace untangle {

class Adam {
 public:
  Adam(ParameterList parameters, AdamHyperparameters hyperparameters);

  // One update from the gradients currently in the parameters; then call zero_grad().
  void step();
  void zero_grad() const { parameters_.zero_grad(); }

  long long steps_taken() const { return step_; }
  void set_steps_taken(long long steps) { step_ = steps; }
  const AdamHyperparameters& hyperparameters() const { return hyperparameters_; }
  const ParameterList& parameters() const { return parameters_; }

  // The moments as "<prefix>.m.<parameter name>" / "<prefix>.v.<parameter name>", for checkpoints.
  ParameterList state(const std::string& prefix) const;

 private:
  ParameterList parameters_;
  AdamHyperparameters hyperparameters_;
  std::vector<Tensor> first_moments_, second_moments_;
  long long step_ = 0;
};

}  // namespace untangle
