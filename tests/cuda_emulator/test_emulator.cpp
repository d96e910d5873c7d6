// The emulator's own checks: that barriers and shared memory behave as on a GPU, and that what a GPU
// would refuse (a barrier some threads skip, a bad launch configuration, a copy outside an allocation or
// in the wrong direction, a synchronising call inside a graph capture) is refused here too. Every
// test_gpu_emulated result stands on these. Kernels here are launched with the call that the translation
// of `<<<...>>>` produces (include/cuda_emulator/launch.h).
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "cublas_v2.h"
#include "cuda_runtime.h"

namespace {

// Reverses each block's slice through shared memory: right only if the barrier lets every thread see
// every other thread's write.
__global__ void reverse_within_blocks(const float* in, float* out) {
  __shared__ float slice[256];
  const unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  slice[threadIdx.x] = in[i];
  __syncthreads();
  out[i] = slice[blockDim.x - 1 - threadIdx.x];
}

// Threads 8 and up return before the barrier that threads 0-7 wait at.
__global__ void barrier_skipped_by_some(float* out) {
  if (threadIdx.x >= 8) return;
  __syncthreads();
  out[threadIdx.x] = 1.0f;
}

__global__ void add_one(float* data, int n) {
  const int i = int(blockIdx.x * blockDim.x + threadIdx.x);
  if (i < n) data[i] += 1.0f;
}

__global__ void write_at(float* data, long long index) {
  if (threadIdx.x == 0) data[index] = 1.0f;
}

void launch_write_at(float* data, long long index) {
  untangle_emulator::launch("write_at", 1, 32).of([](auto... a) { write_at(a...); })(data, index);
}

float* device_floats(size_t n) {
  void* p = nullptr;
  REQUIRE(cudaMalloc(&p, n * sizeof(float)) == cudaSuccess);
  return static_cast<float*>(p);
}

std::vector<float> to_host(const float* device, size_t n) {
  std::vector<float> host(n);
  REQUIRE(cudaMemcpy(host.data(), device, n * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess);
  return host;
}

void launch_add_one(float* data, int n, unsigned blocks, unsigned threads, cudaStream_t stream = nullptr) {
  untangle_emulator::launch("add_one", blocks, threads, 0, stream).of([](auto... a) {
    add_one(a...);
  })(data, n);
}

}  // namespace

TEST_CASE("cuda emulator: a barrier shows each thread's shared-memory write to the whole block") {
  const size_t n = 4 * 256;
  std::vector<float> host(n);
  for (size_t i = 0; i < n; ++i) host[i] = float(i);
  float *in = device_floats(n), *out = device_floats(n);
  REQUIRE(cudaMemcpy(in, host.data(), n * sizeof(float), cudaMemcpyHostToDevice) == cudaSuccess);
  untangle_emulator::launch("reverse_within_blocks", 4, 256).of([](auto... a) {
    reverse_within_blocks(a...);
  })(in, out);
  CHECK(cudaGetLastError() == cudaSuccess);
  const std::vector<float> reversed = to_host(out, n);
  for (size_t block = 0; block < 4; ++block)
    for (size_t t = 0; t < 256; ++t) REQUIRE(reversed[block * 256 + t] == host[block * 256 + 255 - t]);
  cudaFree(in);
  cudaFree(out);
}

TEST_CASE("cuda emulator: a barrier that some threads of a block skip fails the launch") {
  float* out = device_floats(32);
  CHECK_THROWS_WITH_AS(untangle_emulator::launch("barrier_skipped_by_some", 1, 32).of([](auto... a) {
    barrier_skipped_by_some(a...);
  })(out),
                       doctest::Contains("24 of 32 threads returned while the others wait at __syncthreads"),
                       std::runtime_error);
  cudaFree(out);
}

TEST_CASE("cuda emulator: a bad launch configuration runs nothing and is reported by cudaGetLastError") {
  float* data = device_floats(4);
  REQUIRE(cudaMemset(data, 0, 4 * sizeof(float)) == cudaSuccess);
  launch_add_one(data, 4, 1, 2048);  // more than 1024 threads per block
  CHECK(cudaGetLastError() == cudaErrorInvalidConfiguration);
  CHECK(cudaGetLastError() == cudaSuccess);  // reading the error clears it
  launch_add_one(data, 4, 0, 32);            // an empty grid
  CHECK(cudaGetLastError() == cudaErrorInvalidConfiguration);
  CHECK(to_host(data, 4) == std::vector<float>(4, 0.0f));
  cudaFree(data);
}

TEST_CASE("cuda emulator: new device memory reads as NaN, and copies stay inside allocations") {
  float* data = device_floats(8);
  for (float v : to_host(data, 8)) CHECK(std::isnan(v));
  std::vector<float> host(16, 1.0f);
  CHECK(cudaMemcpy(data, host.data(), 16 * sizeof(float), cudaMemcpyHostToDevice) == cudaErrorInvalidValue);
  CHECK(cudaMemcpy(data + 4, host.data(), 5 * sizeof(float), cudaMemcpyHostToDevice) ==
        cudaErrorInvalidValue);
  // The direction must match the pointers: a host buffer is not a device destination.
  CHECK(cudaMemcpy(host.data(), data, 8 * sizeof(float), cudaMemcpyHostToDevice) == cudaErrorInvalidValue);
  CHECK(cudaMemset(host.data(), 0, 4) == cudaErrorInvalidValue);
  CHECK(cudaFree(host.data()) == cudaErrorInvalidDevicePointer);
  cudaGetLastError();
  cudaFree(data);
}

TEST_CASE("cuda emulator: a capture records work that each graph launch replays") {
  cudaStream_t stream = nullptr;
  REQUIRE(cudaStreamCreate(&stream) == cudaSuccess);
  float* data = device_floats(100);
  REQUIRE(cudaMemsetAsync(data, 0, 100 * sizeof(float), stream) == cudaSuccess);

  REQUIRE(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed) == cudaSuccess);
  int n = 100;
  launch_add_one(data, n, 1, 128, stream);
  n = 0;  // kernel arguments are copied at the launch: the recorded launch still covers 100 elements
  cudaGraph_t graph = nullptr;
  REQUIRE(cudaStreamEndCapture(stream, &graph) == cudaSuccess);
  CHECK(to_host(data, 100) == std::vector<float>(100, 0.0f));  // recorded, not run

  cudaGraphExec_t exec = nullptr;
  REQUIRE(cudaGraphInstantiate(&exec, graph, 0) == cudaSuccess);
  size_t nodes = 0;
  REQUIRE(cudaGraphGetNodes(graph, nullptr, &nodes) == cudaSuccess);
  CHECK(nodes == 1);
  REQUIRE(cudaGraphLaunch(exec, stream) == cudaSuccess);
  REQUIRE(cudaGraphLaunch(exec, stream) == cudaSuccess);
  CHECK(to_host(data, 100) == std::vector<float>(100, 2.0f));
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  cudaFree(data);
  cudaStreamDestroy(stream);
}

TEST_CASE("cuda emulator: a synchronising call inside a capture fails it, as on a GPU") {
  cudaStream_t stream = nullptr;
  REQUIRE(cudaStreamCreate(&stream) == cudaSuccess);
  float* data = device_floats(4);
  std::vector<float> host(4);
  cudaGraph_t graph = nullptr;

  REQUIRE(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed) == cudaSuccess);
  CHECK(cudaStreamSynchronize(stream) == cudaErrorStreamCaptureUnsupported);
  CHECK(cudaStreamEndCapture(stream, &graph) == cudaErrorStreamCaptureInvalidated);
  CHECK(graph == nullptr);

  REQUIRE(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed) == cudaSuccess);
  CHECK(cudaMemcpy(host.data(), data, sizeof host[0], cudaMemcpyDeviceToHost) ==
        cudaErrorStreamCaptureImplicit);
  CHECK(cudaStreamEndCapture(stream, &graph) == cudaErrorStreamCaptureInvalidated);

  REQUIRE(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed) == cudaSuccess);
  void* grown = nullptr;
  CHECK(cudaMalloc(&grown, 64) == cudaSuccess);  // allowed in relaxed mode (the allocator grows its pool)
  CHECK(cudaFree(grown) == cudaErrorStreamCaptureUnsupported);  // a free synchronises: never in a capture
  CHECK(cudaStreamEndCapture(stream, &graph) == cudaErrorStreamCaptureInvalidated);
  CHECK(cudaFree(grown) == cudaSuccess);

  REQUIRE(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal) == cudaSuccess);
  CHECK(cudaMalloc(&grown, 64) == cudaErrorStreamCaptureUnsupported);  // but not in global mode
  CHECK(cudaStreamEndCapture(stream, &graph) == cudaErrorStreamCaptureInvalidated);
  cudaGetLastError();
  cudaFree(data);
  cudaStreamDestroy(stream);
}

TEST_CASE("cuda emulator: cuBLAS refuses what cuBLAS refuses, and checks its operands are device memory") {
  cublasHandle_t handle = nullptr;
  REQUIRE(cublasCreate(&handle) == CUBLAS_STATUS_SUCCESS);
  float *a = device_floats(6), *b = device_floats(6), *c = device_floats(4);
  const float one = 1.0f, zero = 0.0f;
  // C (2x2) = A (2x3) B (3x2), column-major: lda >= 2, ldb >= 3, ldc >= 2.
  CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 3, &one, a, 2, b, 3, &zero, c, 2) ==
        CUBLAS_STATUS_SUCCESS);
  CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 3, &one, a, 1, b, 3, &zero, c, 2) ==
        CUBLAS_STATUS_INVALID_VALUE);
  // B read as 3 x 2 with ldb 4 needs 4 + 3 floats: more than its 6.
  CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 3, &one, a, 2, b, 4, &zero, c, 2) ==
        CUBLAS_STATUS_INVALID_VALUE);
  std::vector<float> host(6);
  CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 3, &one, host.data(), 2, b, 3, &zero, c, 2) ==
        CUBLAS_STATUS_INVALID_VALUE);
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
  cublasDestroy(handle);
}

TEST_CASE("cuda emulator: a kernel writing past the end of its block is caught, just past or far past") {
  // Just past: 10 floats are 40 bytes, rounded to 256; the rounding bytes are checked after each kernel.
  float* data = device_floats(10);
  launch_write_at(data, 9);
  CHECK_THROWS_WITH_AS(launch_write_at(data, 10),
                       doctest::Contains("kernel write_at wrote past the end of a 40-byte cudaMalloc block"),
                       std::runtime_error);
  cudaFree(data);

  // Far past: the page after the block is inaccessible, so the kernel faults; in a child process, whose
  // death and last words the test reads.
  int pipe_ends[2];
  REQUIRE(pipe(pipe_ends) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    dup2(pipe_ends[1], STDERR_FILENO);
    float* block = device_floats(64);  // exactly 256 bytes: it ends at the inaccessible page
    launch_write_at(block, 64 + 1000);
    _exit(0);  // not reached
  }
  close(pipe_ends[1]);
  std::string said;
  char buffer[256];
  for (ssize_t got; (got = read(pipe_ends[0], buffer, sizeof buffer)) > 0;) said.append(buffer, size_t(got));
  close(pipe_ends[0]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(said.find("CUDA emulator: memory fault in kernel write_at") != std::string::npos);
}
