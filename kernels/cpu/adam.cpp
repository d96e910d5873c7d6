#include "kernels/cpu/adam.h"

#include <cmath>

#include "kernels/cpu/parallel.h"

namespace untangle {

void adam_update(float* param, const float* grad, float* m, float* v, size_t n, const AdamHyperparameters& h,
                 long long step) {
  const float correction1 = 1.0f - float(std::pow(double(h.beta1), double(step)));
  const float correction2 = 1.0f - float(std::pow(double(h.beta2), double(step)));
  const float step_size = h.learning_rate / correction1;
  const float inverse_sqrt_correction2 = 1.0f / std::sqrt(correction2);
  const long long count = (long long)n;
  parallel_for(
      count,
      [&](long long begin, long long end, int) {
        for (long long i = begin; i < end; ++i) {
          m[i] = h.beta1 * m[i] + (1.0f - h.beta1) * grad[i];
          v[i] = h.beta2 * v[i] + (1.0f - h.beta2) * grad[i] * grad[i];
          param[i] -= step_size * m[i] / (std::sqrt(v[i]) * inverse_sqrt_correction2 + h.epsilon);
        }
      },
      1 << 15);
}

}  // namespace untangle
