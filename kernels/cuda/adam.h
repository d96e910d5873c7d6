// Adam on the GPU for all of a model's parameters in one launch ("multi-tensor" Adam): the update of
// kernels/cpu/adam.h applied to every (param, grad, m, v) set listed. A model has a few dozen small
// tensors, and one launch each would cost more in launch overhead than in arithmetic.
#pragma once
#include <cstddef>
#include <vector>

#include "kernels/cpu/adam.h"  // AdamHyperparameters

namespace untangle::cuda {

// One parameter tensor's device arrays, `count` floats each.
struct AdamTensor {
  float* param;
  float* grad;  // read, and cleared when update() is asked to
  float* m;
  float* v;
  size_t count;
};

// Built once for a fixed list of tensors (their addresses are copied to the device); update() then
// runs one step for all of them with one kernel launch.
class FusedAdam {
 public:
  explicit FusedAdam(const std::vector<AdamTensor>& tensors);
  ~FusedAdam();
  FusedAdam(const FusedAdam&) = delete;
  FusedAdam& operator=(const FusedAdam&) = delete;

  // step >= 1 (the bias corrections use it, as kernels/cpu/adam.cpp).
  //
  // The step number lives on the device: the kernel reads it there and a second tiny kernel increments it,
  // so a captured CUDA graph that replays update() uses the right bias corrections on every replay. When
  // `step` is not the device's count + 1 (the first call, a resumed run, steps taken by graph replays), the
  // device count is first set from the host (a copy, so never inside a capture: a warm-up step comes first).
  // With clear_gradients, each gradient element is set to 0 once read: the zero_grad() that follows every
  // update, fused into it (one pass over the gradients instead of one launch per tensor).
  void update(const AdamHyperparameters& h, long long step, bool clear_gradients = false);

 private:
  void* chunks_ = nullptr;  // device array of work pieces (see adam.cu)
  int chunk_count_ = 0;
  long long* device_step_ = nullptr;  // steps taken, on the device
  long long host_step_ = -1;          // what the host last queued (-1: unknown)
};

}  // namespace untangle::cuda
