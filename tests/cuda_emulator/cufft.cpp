// The emulator's cuFFT: real-to-complex and complex-to-real transforms of rank 1 or 2 in the basic layout
// (batches of rows x cols reals, rows x (cols/2 + 1) complex numbers), computed as direct DFTs in double,
// one dimension at a time. Like cuFFT, the inverse is unnormalised, and an out-of-place complex-to-real
// transform overwrites its input (here with NaN, so code that reads it afterwards is caught).
#include "cufft.h"

#include <cmath>
#include <complex>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "emulator.h"

namespace {

struct Plan {
  int rows = 1, cols = 1, batch = 1;
  cufftType type = CUFFT_R2C;
  cudaStream_t stream = nullptr;
};

std::mutex plans_guard;
std::map<cufftHandle, Plan> plans;
cufftHandle next_handle = 1;

using Complex = std::complex<double>;

// e^(sign 2 pi i j / n) for j < n.
std::vector<Complex> twiddles(int n, int sign) {
  std::vector<Complex> w(static_cast<size_t>(n));
  const double pi = std::acos(-1.0);
  for (int j = 0; j < n; ++j) w[size_t(j)] = std::polar(1.0, sign * 2.0 * pi * j / n);
  return w;
}

void forward(const Plan& p, const float* in, cufftComplex* out) {
  const int half = p.cols / 2 + 1;
  const auto wx = twiddles(p.cols, -1), wy = twiddles(p.rows, -1);
  std::vector<Complex> along_x(size_t(p.rows) * half);
  for (int b = 0; b < p.batch; ++b) {
    const float* x = in + size_t(b) * p.rows * p.cols;
    for (int y = 0; y < p.rows; ++y)
      for (int kx = 0; kx < half; ++kx) {
        Complex sum = 0.0;
        for (int c = 0; c < p.cols; ++c)
          sum += double(x[size_t(y) * p.cols + c]) * wx[size_t(kx) * c % p.cols];
        along_x[size_t(y) * half + kx] = sum;
      }
    cufftComplex* X = out + size_t(b) * p.rows * half;
    for (int ky = 0; ky < p.rows; ++ky)
      for (int kx = 0; kx < half; ++kx) {
        Complex sum = 0.0;
        for (int y = 0; y < p.rows; ++y) sum += along_x[size_t(y) * half + kx] * wy[size_t(ky) * y % p.rows];
        X[size_t(ky) * half + kx] = {float(sum.real()), float(sum.imag())};
      }
  }
}

void inverse(const Plan& p, cufftComplex* in, float* out) {
  const int half = p.cols / 2 + 1;
  const auto wx = twiddles(p.cols, +1), wy = twiddles(p.rows, +1);
  std::vector<Complex> along_y(size_t(p.rows) * half);
  for (int b = 0; b < p.batch; ++b) {
    const cufftComplex* X = in + size_t(b) * p.rows * half;
    for (int y = 0; y < p.rows; ++y)
      for (int kx = 0; kx < half; ++kx) {
        Complex sum = 0.0;
        for (int ky = 0; ky < p.rows; ++ky) {
          const cufftComplex v = X[size_t(ky) * half + kx];
          sum += Complex(v.x, v.y) * wy[size_t(ky) * y % p.rows];
        }
        along_y[size_t(y) * half + kx] = sum;
      }
    float* x = out + size_t(b) * p.rows * p.cols;
    for (int y = 0; y < p.rows; ++y)
      for (int c = 0; c < p.cols; ++c) {
        // The columns past cols/2 are the conjugates of the stored ones (the output is real).
        double sum = 0.0;
        for (int kx = 0; kx < p.cols; ++kx) {
          const Complex v =
              kx < half ? along_y[size_t(y) * half + kx] : std::conj(along_y[size_t(y) * half + p.cols - kx]);
          sum += (v * wx[size_t(kx) * c % p.cols]).real();
        }
        x[size_t(y) * p.cols + c] = float(sum);
      }
  }
}

cufftResult make_plan(cufftHandle* handle, int rank, const int* n, cufftType type, int batch) {
  if (rank < 1 || rank > 2 || batch < 1) return CUFFT_INVALID_VALUE;
  if (type != CUFFT_R2C && type != CUFFT_C2R) return CUFFT_INVALID_TYPE;
  Plan p;
  p.rows = rank == 2 ? n[0] : 1;
  p.cols = rank == 2 ? n[1] : n[0];
  if (p.rows < 1 || p.cols < 1) return CUFFT_INVALID_SIZE;
  p.batch = batch;
  p.type = type;
  std::lock_guard<std::mutex> lock(plans_guard);
  *handle = next_handle++;
  plans[*handle] = p;
  return CUFFT_SUCCESS;
}

bool find_plan(cufftHandle handle, Plan* plan) {
  std::lock_guard<std::mutex> lock(plans_guard);
  auto found = plans.find(handle);
  if (found == plans.end()) return false;
  *plan = found->second;
  return true;
}

}  // namespace

cufftResult cufftPlan2d(cufftHandle* plan, int nx, int ny, cufftType type) {
  const int n[2] = {nx, ny};
  return make_plan(plan, 2, n, type, 1);
}

cufftResult cufftPlanMany(cufftHandle* plan, int rank, int* n, int* inembed, int, int, int* onembed, int, int,
                          cufftType type, int batch) {
  if (inembed || onembed) return CUFFT_NOT_SUPPORTED;  // the advanced layout is not emulated
  return make_plan(plan, rank, n, type, batch);
}

cufftResult cufftSetStream(cufftHandle plan, cudaStream_t stream) {
  std::lock_guard<std::mutex> lock(plans_guard);
  auto found = plans.find(plan);
  if (found == plans.end()) return CUFFT_INVALID_PLAN;
  found->second.stream = stream;
  return CUFFT_SUCCESS;
}

cufftResult cufftDestroy(cufftHandle plan) {
  std::lock_guard<std::mutex> lock(plans_guard);
  return plans.erase(plan) ? CUFFT_SUCCESS : CUFFT_INVALID_PLAN;
}

namespace {

// The plan behind `handle` for an execution of `type` from `in` to `out`: it must exist, be of that type,
// and both buffers must be distinct device memory of the plan's sizes (in-place transforms need padded
// rows, not emulated).
cufftResult plan_for_exec(cufftHandle handle, cufftType type, const void* in, const void* out, Plan* plan) {
  if (!find_plan(handle, plan)) return CUFFT_INVALID_PLAN;
  if (plan->type != type) return CUFFT_INVALID_TYPE;
  const size_t real_bytes = size_t(plan->batch) * plan->rows * plan->cols * sizeof(float);
  const size_t complex_bytes = size_t(plan->batch) * plan->rows * (plan->cols / 2 + 1) * sizeof(cufftComplex);
  const bool real_input = type == CUFFT_R2C;
  if (in == out || !untangle_emulator::is_device_range(in, real_input ? real_bytes : complex_bytes) ||
      !untangle_emulator::is_device_range(out, real_input ? complex_bytes : real_bytes))
    return CUFFT_INVALID_VALUE;
  return CUFFT_SUCCESS;
}

}  // namespace

cufftResult cufftExecR2C(cufftHandle handle, cufftReal* in, cufftComplex* out) {
  Plan p;
  if (const cufftResult invalid = plan_for_exec(handle, CUFFT_R2C, in, out, &p)) return invalid;
  const cudaError_t queued = untangle_emulator::enqueue(p.stream, [p, in, out] { forward(p, in, out); });
  return queued == cudaSuccess ? CUFFT_SUCCESS : CUFFT_EXEC_FAILED;
}

cufftResult cufftExecC2R(cufftHandle handle, cufftComplex* in, cufftReal* out) {
  Plan p;
  if (const cufftResult invalid = plan_for_exec(handle, CUFFT_C2R, in, out, &p)) return invalid;
  const cudaError_t queued = untangle_emulator::enqueue(p.stream, [p, in, out] {
    inverse(p, in, out);
    // cuFFT's C2R may overwrite its input: code that reads it afterwards is caught by the NaN.
    std::memset(in, 0xFF, size_t(p.batch) * p.rows * (p.cols / 2 + 1) * sizeof(cufftComplex));
  });
  return queued == cudaSuccess ? CUFFT_SUCCESS : CUFFT_EXEC_FAILED;
}
