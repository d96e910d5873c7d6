#include "metrics/symmetric_eigen.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace untangle {

SymmetricEigen symmetric_eigen(std::vector<double> A, size_t n) {
  std::vector<double> V(n * n, 0.0);  // the accumulated rotations: A_original = V diag V^T
  for (size_t i = 0; i < n; ++i) V[i * n + i] = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, scale = 0;
    for (size_t p = 0; p < n; ++p)
      for (size_t q = 0; q < n; ++q) (p == q ? scale : off) += A[p * n + q] * A[p * n + q];
    if (off <= 1e-30 * scale) break;
    for (size_t p = 0; p < n; ++p)
      for (size_t q = p + 1; q < n; ++q) {
        const double apq = A[p * n + q];
        if (apq == 0) continue;
        // The rotation that zeroes A[p][q].
        const double theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (size_t k = 0; k < n; ++k) {  // columns p, q of A and of V
          const double akp = A[k * n + p], akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
          const double vkp = V[k * n + p], vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
        for (size_t k = 0; k < n; ++k) {  // rows p, q of A
          const double apk = A[p * n + k], aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
      }
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return A[a * n + a] > A[b * n + b]; });
  SymmetricEigen result;
  result.values.resize(n);
  result.vectors.resize(n * n);
  for (size_t k = 0; k < n; ++k) {
    result.values[k] = A[order[k] * n + order[k]];
    for (size_t i = 0; i < n; ++i) result.vectors[i * n + k] = V[i * n + order[k]];
  }
  return result;
}

std::vector<double> symmetric_eigenvalues(std::vector<double> A, size_t n) {
  return symmetric_eigen(std::move(A), n).values;
}

}  // namespace untangle
