// The steady-state training step on a GPU as one CUDA graph: captured once, replayed every step
// (kernels/cuda/graph.h explains what a capture needs and how the project provides it).
//
//   ... run at least one ordinary step first (it makes the gradients, the optimisers' device state and
//   the blur's FFT plans, so the capture holds only the step's own temporaries) ...
//   GraphedTrainingStep graphed(*model, optimisers, batch, noise, next_step);
//   for each later step:
//     batch.x.copy_from(next images);             // into the same device tensors the capture read
//     const TrainingLoss& loss = graphed.run();      // read its values before the next run()
//
// A replay does exactly what the eager step would: the noise stream and Adam's step counts advance on the
// host as they would have (checkpoints stay correct), and on the device through their device-side
// counters. Only models with can_capture_step() qualify (the constructor says so otherwise). One graph
// at a time (kernels/cuda/graph.h), and the parameters must stay where they are while it lives.
#pragma once
#include <memory>
#include <vector>

#include "kernels/cuda/graph.h"
#include "nn/model.h"

namespace untangle {

class GraphedTrainingStep {
 public:
  // Captures training step number `step` of `model` (nothing runs yet). `batch` must be on the GPU.
  GraphedTrainingStep(const Model& model, std::vector<Adam>& optimisers, const Batch& batch, PhiloxRng& noise,
                      long long step);

  // Replays the step (queued; returns at once). The objective and terms are overwritten by the next run().
  const TrainingLoss& run();
  size_t kernel_count() const { return captured_->kernel_count(); }

 private:
  std::vector<Adam>& optimisers_;
  PhiloxRng& noise_;
  uint64_t noise_blocks_per_step_ = 0;
  TrainingLoss loss_;                             // the captured step's outputs (in the graph's memory)
  std::shared_ptr<cuda::CapturedWork> captured_;  // shared_ptr: see nn/adam.h (no CUDA needed to destroy it)
  std::vector<std::shared_ptr<const void>> optimiser_states_;  // what the graph's Adam kernels read
};

}  // namespace untangle
