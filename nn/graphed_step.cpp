#include "nn/graphed_step.h"

#include "core/check.h"
#include "kernels/cuda/philox.h"

namespace untangle {

GraphedTrainingStep::GraphedTrainingStep(const Model& model, std::vector<Adam>& optimisers,
                                         const Batch& batch, PhiloxRng& noise, long long step)
    : optimisers_(optimisers), noise_(noise) {
  require(kCudaCompiled && model.device() == Device::CUDA && batch.x.on_cuda(),
          "cuda graph: the model and the batch must be on a CUDA device");
  require(model.can_capture_step(), "cuda graph: model '", model.settings().model,
          "' makes host-side decisions during its step; it cannot be captured");
  // An ordinary step in this process must come first: it makes the gradients, the optimisers' device
  // state and any FFT plans, none of which may be created inside a capture.
  for (const Adam& adam : optimisers) {
    require(adam.cuda_state() != nullptr, "cuda graph: run one ordinary CUDA step before capturing");
    for (const NamedTensor& p : adam.parameters().items())
      require(p.tensor.has_grad(), "cuda graph: run one ordinary CUDA step before capturing (", p.name,
              " has no gradient yet)");
  }
  if constexpr (kCudaCompiled) {
    // Capturing queues nothing, but the host-side bookkeeping of a step (the noise counter, Adam's step
    // counts) runs; it is rolled back here and redone by run() after each replay.
    const uint64_t noise_before = noise.counter();
    std::vector<long long> steps_before;
    for (const Adam& adam : optimisers) steps_before.push_back(adam.steps_taken());
    uint64_t noise_after = noise_before;
    auto roll_back = [&] {
      noise.set_counter(noise_before);
      for (size_t i = 0; i < optimisers.size(); ++i) optimisers[i].set_steps_taken(steps_before[i]);
    };
    try {
      captured_ = std::make_shared<cuda::CapturedWork>([&] {
        loss_ = training_step(model, optimisers, batch, noise, step);
        noise_after = noise.counter();
        cuda::advance_captured_counters(noise_after - noise_before);
      });
    } catch (...) {
      roll_back();  // a failed capture leaves the streams and step counts as they were
      throw;
    }
    roll_back();
    noise_blocks_per_step_ = noise_after - noise_before;
    for (const Adam& adam : optimisers) optimiser_states_.push_back(adam.cuda_state());
  }
}

const TrainingLoss& GraphedTrainingStep::run() {
  if constexpr (kCudaCompiled) {
    captured_->replay();
    noise_.set_counter(noise_.counter() + noise_blocks_per_step_);
    for (Adam& adam : optimisers_) adam.set_steps_taken(adam.steps_taken() + 1);
  }
  return loss_;
}

}  // namespace untangle
