// The tensors are cut into chunks of at most kChunk elements; the table of chunks lives on the device and
// block b updates chunk b. The per-step scalars are computed on the host exactly as kernels/cpu/adam.cpp
// computes them (pow in double, then float), and each element follows the CPU's expression in the same
// order, so results agree to an ulp or two (the compilers may fuse multiply-adds differently).
#include <cmath>

#include "kernels/cuda/adam.h"
#include "kernels/cuda/cuda_check.h"

namespace untangle::cuda {

namespace {

constexpr size_t kChunk = 8192;
constexpr int kAdamThreads = 256;

struct AdamChunk {
  float* param;
  const float* grad;
  float* m;
  float* v;
  unsigned count;  // <= kChunk
};

struct AdamScalars {
  float beta1, beta2, epsilon, step_size, inverse_sqrt_correction2;
};

__global__ void adam_chunks_kernel(const AdamChunk* chunks, AdamScalars s) {
  const AdamChunk chunk = chunks[blockIdx.x];
  for (unsigned i = threadIdx.x; i < chunk.count; i += blockDim.x) {
    const float g = chunk.grad[i];
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
  if (table.empty()) return;
  UNTANGLE_CUDA_CHECK(cudaMalloc(&chunks_, table.size() * sizeof(AdamChunk)), "cuda::FusedAdam");
  UNTANGLE_CUDA_CHECK(cudaMemcpy(chunks_, table.data(), table.size() * sizeof(AdamChunk), cudaMemcpyHostToDevice),
                      "cuda::FusedAdam");
}

FusedAdam::~FusedAdam() {
  if (chunks_) cudaFree(chunks_);
}

void FusedAdam::update(const AdamHyperparameters& h, long long step) {
  require(step >= 1, "cuda::FusedAdam: step must be >= 1, got ", step);
  if (chunk_count_ == 0) return;
  const float correction1 = 1.0f - float(std::pow(double(h.beta1), double(step)));
  const float correction2 = 1.0f - float(std::pow(double(h.beta2), double(step)));
  const AdamScalars scalars{h.beta1, h.beta2, h.epsilon, h.learning_rate / correction1,
                            1.0f / std::sqrt(correction2)};
  adam_chunks_kernel<<<chunk_count_, kAdamThreads>>>(static_cast<const AdamChunk*>(chunks_), scalars);
  UNTANGLE_CUDA_CHECK_LAUNCH("cuda::FusedAdam::update");
}

}  // namespace untangle::cuda
