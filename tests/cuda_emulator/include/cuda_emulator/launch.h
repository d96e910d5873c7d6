// What a kernel launch becomes in the emulator. tests/cuda_emulator/translate_cu.cmake rewrites each
//
//   name<<<grid, block, shared_bytes, stream>>>(arguments...)
// into
//   ::untangle_emulator::launch("name", grid, block, shared_bytes, stream)
//       .of([](auto... kernel_arguments) { name(kernel_arguments...); })(arguments...)
//
// (the lambda lets a kernel template deduce its arguments, as the real launch does). The arguments are
// copied at the launch, as CUDA copies kernel parameters, so a launch recorded into a graph keeps them.
#pragma once
#include <cstddef>
#include <functional>

namespace untangle_emulator {

// Runs `work` now, or appends it to the graph being captured on `stream`. Returns (and records for
// cudaGetLastError) the error a GPU would give when the work cannot be queued: work on an invalidated
// capture, or on the legacy stream while another stream captures (which also invalidates that capture).
cudaError_t enqueue(cudaStream_t stream, std::function<void()> work);
// Runs `thread_body` once for every thread of every block (blocks shared among host threads, each running
// one block at a time; within a block the threads take turns, switching at __syncthreads). Sets blockIdx,
// threadIdx, blockDim and gridDim.
void run_grid(dim3 grid, dim3 block, const char* kernel, const std::function<void()>& thread_body);
// The checks a real launch makes before it queues anything; a bad configuration becomes the error that
// cudaGetLastError returns (cudaErrorInvalidConfiguration), and the kernel does not run.
bool valid_launch(dim3 grid, dim3 block, size_t shared_bytes, const char* kernel);

template <typename Kernel>
struct Launcher {
  dim3 grid, block;
  size_t shared_bytes;
  cudaStream_t stream;
  const char* name;
  Kernel kernel;

  template <typename... Args>
  void operator()(const Args&... args) const {
    if (!valid_launch(grid, block, shared_bytes, name)) return;
    enqueue(stream, [grid = grid, block = block, name = name, kernel = kernel, args...] {
      run_grid(grid, block, name, [&] { kernel(args...); });
    });
  }
};

struct LaunchConfiguration {
  dim3 grid, block;
  size_t shared_bytes;
  cudaStream_t stream;
  const char* name;

  template <typename Kernel>
  Launcher<Kernel> of(Kernel kernel) const {
    return {grid, block, shared_bytes, stream, name, kernel};
  }
};

inline LaunchConfiguration launch(const char* name, dim3 grid, dim3 block, size_t shared_bytes = 0,
                                  cudaStream_t stream = nullptr) {
  return {grid, block, shared_bytes, stream, name};
}

}  // namespace untangle_emulator
