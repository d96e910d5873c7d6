#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/graph.h"
#include "kernels/cuda/memory.h"
#include "kernels/cuda/philox.h"
#include "kernels/cuda/stream.h"

namespace untangle::cuda {

namespace {
int live_graphs = 0;
}  // namespace

CapturedWork::CapturedWork(const std::function<void()>& work) {
  const char* op = "cuda::CapturedWork";
  require(live_graphs == 0, op,
          ": another captured graph is alive (one at a time: they share the noise offset)");
  pool_ = new_capture_pool();
  begin_captured_counters();  // queued before the capture: the offset starts at 0 for the first replay
  begin_capture_allocations(pool_);
  // Relaxed mode: cudaMalloc (growing the capture's pool) is allowed while this thread captures.
  cudaError_t status = cudaStreamBeginCapture(stream(), cudaStreamCaptureModeRelaxed);
  if (status != cudaSuccess) {
    end_capture_allocations();
    end_captured_counters();
    delete_capture_pool(pool_);
    check_status(status, "cudaStreamBeginCapture", op, __FILE__, __LINE__);
  }
  cudaGraph_t graph = nullptr;
  try {
    work();
  } catch (...) {
    cudaStreamEndCapture(stream(), &graph);  // ends the (now invalid) capture so the stream is usable again
    if (graph) cudaGraphDestroy(graph);
    cudaGetLastError();
    end_capture_allocations();
    end_captured_counters();
    delete_capture_pool(pool_);
    throw;
  }
  status = cudaStreamEndCapture(stream(), &graph);
  end_capture_allocations();
  end_captured_counters();
  if (status != cudaSuccess) {
    delete_capture_pool(pool_);
    check_status(status, "cudaStreamEndCapture", op, __FILE__, __LINE__);
  }
  graph_ = graph;
  cudaGraphExec_t instance = nullptr;
  status = cudaGraphInstantiate(&instance, graph, 0);
  if (status != cudaSuccess) {
    cudaGraphDestroy(graph);
    delete_capture_pool(pool_);
    check_status(status, "cudaGraphInstantiate", op, __FILE__, __LINE__);
  }
  instance_ = instance;
  cudaGraphGetNodes(graph, nullptr, &nodes_);
  ++live_graphs;
}

CapturedWork::~CapturedWork() {
  if (instance_) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(instance_));
  if (graph_) cudaGraphDestroy(static_cast<cudaGraph_t>(graph_));
  delete_capture_pool(pool_);  // waits for the last replay, then frees the graph's memory
  --live_graphs;
}

void CapturedWork::replay() {
  UNTANGLE_CUDA_CHECK(cudaGraphLaunch(static_cast<cudaGraphExec_t>(instance_), stream()),
                      "cuda::CapturedWork::replay");
}

}  // namespace untangle::cuda
