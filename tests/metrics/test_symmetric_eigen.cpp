// The Jacobi eigen-decomposition against matrices built from known eigenpairs.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/philox.h"
#include "metrics/symmetric_eigen.h"

using namespace untangle;

TEST_CASE("symmetric_eigen recovers the eigenpairs of Q diag(l) Q^T, sorted descending") {
  const size_t n = 6;
  // A random orthogonal Q by Gram-Schmidt on Gaussian columns.
  PhiloxRng rng(7);
  std::vector<double> Q(n * n);
  for (double& q : Q) q = rng.next_normal();
  for (size_t k = 0; k < n; ++k) {
    for (size_t j = 0; j < k; ++j) {
      double dot = 0;
      for (size_t i = 0; i < n; ++i) dot += Q[i * n + k] * Q[i * n + j];
      for (size_t i = 0; i < n; ++i) Q[i * n + k] -= dot * Q[i * n + j];
    }
    double norm = 0;
    for (size_t i = 0; i < n; ++i) norm += Q[i * n + k] * Q[i * n + k];
    for (size_t i = 0; i < n; ++i) Q[i * n + k] /= std::sqrt(norm);
  }
  const std::vector<double> values = {0.5, 7.0, 3.0, 0.01, 2.0, 5.0};
  std::vector<double> A(n * n, 0.0);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j)
      for (size_t k = 0; k < n; ++k) A[i * n + j] += Q[i * n + k] * values[k] * Q[j * n + k];
  const SymmetricEigen eigen = symmetric_eigen(A, n);
  const std::vector<double> sorted = {7.0, 5.0, 3.0, 2.0, 0.5, 0.01};
  const std::vector<size_t> source = {1, 5, 2, 4, 0, 3};  // where each sorted value sits in `values`
  for (size_t k = 0; k < n; ++k) {
    // Rounding of a well-conditioned 6x6 problem: far below 1e-9.
    CHECK(eigen.values[k] == doctest::Approx(sorted[k]).epsilon(1e-9));
    double dot = 0;  // the eigenvector equals Q's column up to sign
    for (size_t i = 0; i < n; ++i) dot += eigen.vectors[i * n + k] * Q[i * n + source[k]];
    CHECK(std::fabs(dot) == doctest::Approx(1.0).epsilon(1e-9));
  }
  const std::vector<double> only_values = symmetric_eigenvalues(A, n);
  for (size_t k = 0; k < n; ++k) CHECK(only_values[k] == eigen.values[k]);
}
