// The CUDA emulator's stand-in for <cufft.h>: real-to-complex and complex-to-real transforms of rank 1
// or 2 in cuFFT's basic data layout (tests/cuda_emulator/cufft.cpp computes them as plain DFTs in double).
#pragma once
#include "cuda_runtime.h"

using cuFloatComplex = float2;
using cufftComplex = float2;
using cufftReal = float;
using cufftHandle = int;
inline cuFloatComplex make_cuFloatComplex(float re, float im) {
  return {re, im};
}

enum cufftResult {
  CUFFT_SUCCESS = 0,
  CUFFT_INVALID_PLAN = 1,
  CUFFT_INVALID_TYPE = 3,
  CUFFT_INVALID_VALUE = 4,
  CUFFT_EXEC_FAILED = 6,
  CUFFT_INVALID_SIZE = 8,
  CUFFT_NOT_SUPPORTED = 16,
};
enum cufftType { CUFFT_R2C = 0x2a, CUFFT_C2R = 0x2c, CUFFT_C2C = 0x29 };

cufftResult cufftPlan2d(cufftHandle* plan, int nx, int ny, cufftType type);
// Only the basic layout (inembed and onembed null; the strides and distances are then ignored, as in cuFFT).
cufftResult cufftPlanMany(cufftHandle* plan, int rank, int* n, int* inembed, int istride, int idist,
                          int* onembed, int ostride, int odist, cufftType type, int batch);
cufftResult cufftSetStream(cufftHandle plan, cudaStream_t stream);
cufftResult cufftDestroy(cufftHandle plan);
cufftResult cufftExecR2C(cufftHandle plan, cufftReal* in, cufftComplex* out);
cufftResult cufftExecC2R(cufftHandle plan, cufftComplex* in, cufftReal* out);
