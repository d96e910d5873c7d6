// The tensors are cut into chunks of at most kChunk elements; the table of chunks lives on the device and
// block b updates chunk b. The per-step scalars are computed from the device's step count exactly as
// kernels/cpu/adam.cpp computes them (pow in double, then float), and each element follows the CPU's
// expression in the same order, so results agree to an ulp or two (the compilers may fuse multiply-adds
// differently, and the device's double pow may differ from the host's in its last bit).
#include <cmath>

#include "kernels/cuda/adam.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/stream.h"

namespace untangle::cuda {

namespace {

constexpr size_t kChunk = 8192;
constexpr int kAdamThreads = 256;

struct AdamChunk {
  float* param;
  float* grad;
  float* m;
  float* v;
  unsigned count;  // <= kChunk
};

struct AdamScalars {
  float beta1, beta2, epsilon, step_size, inverse_sqrt_correction2;
};

__global__ void count_step(long long* steps_taken) {
  *steps_taken += 1;
}

__global__ void adam_chunks_kernel(const AdamChunk* chunks, AdamHyperparameters h,
                                   const long long* steps_taken, bool clear_gradients) {
  const long long step = *steps_taken + 1;
  const float correction1 = 1.0f - float(pow(double(h.beta1), double(step)));
  const float correction2 = 1.0f - float(pow(double(h.beta2), double(step)));
  const AdamScalars s{h.beta1, h.beta2, h.epsilon, h.learning_rate / correction1, 1.0f / sqrtf(correction2)};
  const AdamChunk chunk = chunks[blockIdx.x];
  for (unsigned i = threadIdx.x; i < chunk.count; i += blockDim.x) {
    const float g = chunk.grad[i];
    if (clear_gradients) chunk.grad[i] = 0.0f;
    const float m = s.beta1 * chunk.m[i] + (1.0f - s.beta1) * g;
    const float v = s.beta2 * chunk.v[i] + (1.0f - s.beta2) * g * g;
    chunk.m[i] = m;
    chunk.v[i] = v;
    chunk.param[i] -= s.step_size * m / (sqrtf(v) * s.inverse_sqrt_correction2 + s.epsilon);
  }
}

}  // namespace

FusedAdam::FusedAdam(const std::vector<AdamTensor>& tensors) {
  std::vector<AdamChunk> table;
  for (const AdamTensor& t : tensors)
    for (size_t begin = 0; begin < t.count; begin += kChunk)
      table.push_back({t.param + begin, t.grad + begin, t.m + begin, t.v + begin,
                       unsigned(t.count - begin < kChunk ? t.count - begin : kChunk)});
  chunk_count_ = int(table.size());
  UNTANGLE_CUDA_CHECK(cudaMalloc(&device_step_, sizeof(long long)), "cuda::FusedAdam");
  if (table.empty()) return;
  UNTANGLE_CUDA_CHECK(cudaMalloc(&chunks_, table.size() * sizeof(AdamChunk)), "cuda::FusedAdam");
  UNTANGLE_CUDA_CHECK(
      cudaMemcpy(chunks_, table.data(), table.size() * sizeof(AdamChunk), cudaMemcpyHostToDevice),
      "cuda::FusedAdam");
}

FusedAdam::~FusedAdam() {
  if (chunks_) cudaFree(chunks_);
  if (device_step_) cudaFree(device_step_);
}

void FusedAdam::update(const AdamHyperparameters& h, long long step, bool clear_gradients) {
  require(step >= 1, "cuda::FusedAdam: step must be >= 1, got ", step);
  if (chunk_count_ == 0) return;
  if (step != host_step_ + 1) {
    const long long taken = step - 1;
    UNTANGLE_CUDA_CHECK(cudaMemcpyAsync(device_step_, &taken, sizeof taken, cudaMemcpyHostToDevice, stream()),
                        "cuda::FusedAdam::update");
    UNTANGLE_CUDA_CHECK(cudaStreamSynchronize(stream()),
                        "cuda::FusedAdam::update");  // `taken` is on our stack
  }
  adam_chunks_kernel<<<chunk_count_, kAdamThreads, 0, stream()>>>(static_cast<const AdamChunk*>(chunks_), h,
                                                                  device_step_, clear_gradients);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::FusedAdam::update");
  count_step<<<1, 1, 0, stream()>>>(device_step_);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::FusedAdam::update");
  host_step_ = step;
}

}  // namespace untangle::cuda
