// A CUDA graph of the work one function queues: captured once, then replayed with one launch.
//
// A training step is a few hundred small kernels; launched one by one from the host, their launch costs
// add up to more than their run time at batch 64. Captured into a graph, the whole step is one launch.
// What a capture needs, and how this project provides it:
//   - all work on one capturable stream: cuda::stream() (kernels/cuda/stream.h), never the legacy stream;
//   - no host synchronisation and no host<->device copies inside: the step's inputs are uploaded into fixed
//     device tensors before each replay, and its logged values are read after;
//   - fixed addresses: memory allocated during the capture comes from a pool of its own (memory.h) that
//     stays reserved for the graph, so every replay finds its intermediates where the capture put them;
//   - values that change every step live on the device: the Philox fills' counter offset (philox.h) and
//     Adam's step count (adam.h).
// Anything else that changes from step to step (a learning-rate schedule, a host-side decision) cannot be
// captured; nn/ decides which models can (Model::can_capture_step).
//
// No CUDA headers here (the graph handles are kept as opaque pointers), so nn/ can use it in every build.
#pragma once
#include <cstdint>
#include <functional>

namespace untangle::cuda {

class CapturedWork {
 public:
  // Captures what `work` queues (nothing runs yet). Throws if the work cannot be captured (the error names
  // the CUDA call), leaving no capture in progress. Only one CapturedWork may exist at a time (the Philox
  // counter offset is one device value).
  explicit CapturedWork(const std::function<void()>& work);
  ~CapturedWork();
  CapturedWork(const CapturedWork&) = delete;
  CapturedWork& operator=(const CapturedWork&) = delete;

  // Queues the captured work on cuda::stream() (returns at once).
  void replay();
  size_t kernel_count() const { return nodes_; }

 private:
  void* graph_ = nullptr;     // cudaGraph_t
  void* instance_ = nullptr;  // cudaGraphExec_t
  uint64_t pool_ = 0;         // the memory pool of the capture
  size_t nodes_ = 0;
};

}  // namespace untangle::cuda
