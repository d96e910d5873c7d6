// The emulator's runtime API: device memory (host memory, with a registry so copies can be checked),
// streams that run their work at once or record it during a capture, events, graphs, errors, and the
// launch-configuration checks.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "emulator.h"

// The runtime's opaque types, defined here.
struct CUgraph_st {
  std::vector<std::function<void()>> nodes;
};
struct CUgraphExec_st {
  std::vector<std::function<void()>> nodes;
};
struct CUstream_st {
  bool capturing = false;
  bool invalidated = false;  // a capture that met an illegal call: its end reports the failure
  cudaStreamCaptureMode mode = cudaStreamCaptureModeGlobal;
  CUgraph_st* graph = nullptr;
};
struct CUevent_st {
  bool recorded = false;
};

namespace untangle_emulator {

namespace {

thread_local cudaError_t last_error = cudaSuccess;

struct Registry {
  std::mutex guard;
  std::vector<CUstream_st*> streams;  // created by cudaStreamCreate, for capture checks
};
Registry& registry() {
  static Registry* shared = new Registry;  // never destroyed: frees may come from static destructors
  return *shared;
}

bool any_capture_active() {
  for (CUstream_st* s : registry().streams)
    if (s->capturing) return true;
  return false;
}

// A call that a capture forbids (it would synchronise with, or run outside, the captured stream) makes
// every active capture fail at its end, as the CUDA runtime does, and itself returns `error`.
cudaError_t invalidate_captures(cudaError_t error) {
  for (CUstream_st* s : registry().streams)
    if (s->capturing) s->invalidated = true;
  return set_last_error(error);
}

// Synchronous calls and work on the legacy default stream wait for every blocking stream: inside a
// capture that is an implicit dependency on captured work, which CUDA refuses.
cudaError_t check_outside_capture() {
  return any_capture_active() ? invalidate_captures(cudaErrorStreamCaptureImplicit) : cudaSuccess;
}

cudaError_t copy(void* to, const void* from, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream) {
  if (bytes == 0) return cudaSuccess;
  if (!to || !from) return set_last_error(cudaErrorInvalidValue);
  const bool to_device = is_device_range(to, bytes), from_device = is_device_range(from, bytes);
  bool valid = false;
  switch (kind) {
    case cudaMemcpyHostToDevice: valid = to_device && !from_device; break;
    case cudaMemcpyDeviceToHost: valid = !to_device && from_device; break;
    case cudaMemcpyDeviceToDevice: valid = to_device && from_device; break;
    case cudaMemcpyHostToHost: valid = !to_device && !from_device; break;
    case cudaMemcpyDefault: valid = true; break;
  }
  if (!valid) return set_last_error(cudaErrorInvalidValue);
  return enqueue(stream, [to, from, bytes] { std::memmove(to, from, bytes); });
}

}  // namespace

cudaError_t set_last_error(cudaError_t error) {
  if (error != cudaSuccess) last_error = error;
  return error;
}

cudaError_t enqueue(cudaStream_t stream, std::function<void()> work) {
  if (stream && stream->capturing) {
    if (stream->invalidated) return set_last_error(cudaErrorStreamCaptureInvalidated);
    stream->graph->nodes.push_back(std::move(work));
    return cudaSuccess;
  }
  if (!stream && any_capture_active()) return invalidate_captures(cudaErrorStreamCaptureImplicit);
  work();
  return cudaSuccess;
}

bool valid_launch(dim3 grid, dim3 block, size_t shared_bytes, const char* kernel) {
  // UNTANGLE_EMULATOR_TRACE=1 lists every launch: which kernels (and which template variants) a test reaches.
  static const bool trace = std::getenv("UNTANGLE_EMULATOR_TRACE") != nullptr;
  if (trace)
    std::fprintf(stderr, "emulator: %s <<<(%u, %u, %u), (%u, %u, %u)>>>\n", kernel, grid.x, grid.y, grid.z,
                 block.x, block.y, block.z);
  const unsigned long long threads = (unsigned long long)block.x * block.y * block.z;
  const bool valid = grid.x >= 1 && grid.y >= 1 && grid.z >= 1 && grid.x <= 2147483647u && grid.y <= 65535 &&
                     grid.z <= 65535 && block.x >= 1 && block.y >= 1 && block.z >= 1 && block.x <= 1024 &&
                     block.y <= 1024 && block.z <= 64 && threads <= 1024 && shared_bytes <= 48 * 1024;
  if (!valid) set_last_error(cudaErrorInvalidConfiguration);
  return valid;
}

}  // namespace untangle_emulator

using namespace untangle_emulator;

const char* cudaGetErrorString(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidDevicePointer: return "invalid device pointer";
    case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorStreamCaptureUnsupported: return "operation not permitted when stream is capturing";
    case cudaErrorStreamCaptureInvalidated: return "operation failed due to a previous error during capture";
    case cudaErrorStreamCaptureWrongThread:
      return "attempt to terminate a thread-local capture sequence from another thread";
    case cudaErrorStreamCaptureImplicit:
      return "operation would make the legacy stream depend on a capturing blocking stream";
  }
  return "unknown error";
}

cudaError_t cudaGetLastError() {
  const cudaError_t error = last_error;
  last_error = cudaSuccess;
  return error;
}
cudaError_t cudaPeekAtLastError() {
  return last_error;
}

cudaError_t cudaGetDeviceCount(int* count) {
  *count = 1;  // the emulated device
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() {
  return any_capture_active() ? invalidate_captures(cudaErrorStreamCaptureUnsupported) : cudaSuccess;
}

cudaError_t cudaMalloc(void** pointer, size_t bytes) {
  *pointer = nullptr;
  for (CUstream_st* s : registry().streams)
    if (s->capturing && s->mode != cudaStreamCaptureModeRelaxed)
      return invalidate_captures(cudaErrorStreamCaptureUnsupported);
  if (bytes == 0) return cudaSuccess;
  *pointer = allocate_device(bytes);
  return *pointer ? cudaSuccess : set_last_error(cudaErrorMemoryAllocation);
}

cudaError_t cudaFree(void* pointer) {
  if (!pointer) return cudaSuccess;
  // cudaFree synchronises the device: never inside a capture (the caching allocator defers its frees).
  if (any_capture_active()) return invalidate_captures(cudaErrorStreamCaptureUnsupported);
  return free_device(pointer) ? cudaSuccess : set_last_error(cudaErrorInvalidDevicePointer);
}

cudaError_t cudaMallocHost(void** pointer, size_t bytes) {
  if (any_capture_active()) return invalidate_captures(cudaErrorStreamCaptureUnsupported);
  *pointer = std::malloc(bytes == 0 ? 1 : bytes);
  return *pointer ? cudaSuccess : set_last_error(cudaErrorMemoryAllocation);
}

cudaError_t cudaFreeHost(void* pointer) {
  if (any_capture_active()) return invalidate_captures(cudaErrorStreamCaptureUnsupported);
  std::free(pointer);
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* to, const void* from, size_t bytes, cudaMemcpyKind kind) {
  if (const cudaError_t error = check_outside_capture()) return error;
  return copy(to, from, bytes, kind, nullptr);
}

cudaError_t cudaMemcpyAsync(void* to, const void* from, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t stream) {
  return copy(to, from, bytes, kind, stream);
}

cudaError_t cudaMemsetAsync(void* pointer, int value, size_t bytes, cudaStream_t stream) {
  if (bytes == 0) return cudaSuccess;
  if (!is_device_range(pointer, bytes)) return set_last_error(cudaErrorInvalidValue);
  return enqueue(stream, [pointer, value, bytes] { std::memset(pointer, value, bytes); });
}

cudaError_t cudaMemset(void* pointer, int value, size_t bytes) {
  if (const cudaError_t error = check_outside_capture()) return error;
  return cudaMemsetAsync(pointer, value, bytes, nullptr);
}

cudaError_t cudaStreamCreate(cudaStream_t* stream) {
  *stream = new CUstream_st;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.guard);
  r.streams.push_back(*stream);
  return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.guard);
    for (auto it = r.streams.begin(); it != r.streams.end(); ++it)
      if (*it == stream) {
        r.streams.erase(it);
        delete stream;
        return cudaSuccess;
      }
  }
  return set_last_error(cudaErrorInvalidResourceHandle);
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  if (stream && stream->capturing) return invalidate_captures(cudaErrorStreamCaptureUnsupported);
  if (!stream) return check_outside_capture();
  return cudaSuccess;  // its work has already run
}

cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode mode) {
  if (!stream || stream->capturing) return set_last_error(cudaErrorStreamCaptureUnsupported);
  stream->capturing = true;
  stream->invalidated = false;
  stream->mode = mode;
  stream->graph = new CUgraph_st;
  return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph) {
  *graph = nullptr;
  if (!stream || !stream->capturing) return set_last_error(cudaErrorInvalidValue);
  stream->capturing = false;
  if (stream->invalidated) {
    delete stream->graph;
    stream->graph = nullptr;
    return set_last_error(cudaErrorStreamCaptureInvalidated);
  }
  *graph = stream->graph;
  stream->graph = nullptr;
  return cudaSuccess;
}

cudaError_t cudaStreamIsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status) {
  if (!stream) {
    // Asking about the legacy stream while a blocking stream captures is an error, but one that leaves
    // the capture intact (the runtime's documentation of cudaStreamIsCapturing).
    *status = cudaStreamCaptureStatusNone;
    return any_capture_active() ? set_last_error(cudaErrorStreamCaptureImplicit) : cudaSuccess;
  }
  *status = !stream->capturing    ? cudaStreamCaptureStatusNone
            : stream->invalidated ? cudaStreamCaptureStatusInvalidated
                                  : cudaStreamCaptureStatusActive;
  return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  *event = new CUevent_st;
  return cudaSuccess;
}
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned) {
  return cudaEventCreate(event);
}
cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  if (!event) return set_last_error(cudaErrorInvalidResourceHandle);
  // Inside a capture a plain event record only orders the captured work; it adds no graph node.
  if (stream && stream->capturing) {
    event->recorded = true;
    return stream->invalidated ? set_last_error(cudaErrorStreamCaptureInvalidated) : cudaSuccess;
  }
  return enqueue(stream, [event] { event->recorded = true; });
}
cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  if (!event) return set_last_error(cudaErrorInvalidResourceHandle);
  return cudaSuccess;  // whatever it was recorded after has already run
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long) {
  if (!graph) return set_last_error(cudaErrorInvalidValue);
  *exec = new CUgraphExec_st{graph->nodes};
  return cudaSuccess;
}

cudaError_t cudaGraphGetNodes(cudaGraph_t graph, cudaGraphNode_t* nodes, size_t* count) {
  if (!graph || nodes) return set_last_error(cudaErrorInvalidValue);  // only the count is emulated
  *count = graph->nodes.size();
  return cudaSuccess;
}

cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream) {
  if (!exec) return set_last_error(cudaErrorInvalidValue);
  return enqueue(stream, [exec] {
    for (const auto& node : exec->nodes) node();
  });
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete graph;
  return cudaSuccess;
}
cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete exec;
  return cudaSuccess;
}
