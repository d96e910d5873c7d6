// Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan,
// "symmetric Schur decomposition"): exact to rounding and simple, for the few-dozen-sized matrices
// untangle needs (latent covariances, PCA of low-dimensional data).
#pragma once
#include <cstddef>
#include <vector>

namespace untangle {

struct SymmetricEigen {
  std::vector<double> values;   // (n,) in descending order
  std::vector<double> vectors;  // (n, n) row-major: column k is the unit eigenvector of values[k]
};

// A: (n, n) symmetric, row-major.
SymmetricEigen symmetric_eigen(std::vector<double> A, size_t n);
// The eigenvalues only (descending).
std::vector<double> symmetric_eigenvalues(std::vector<double> A, size_t n);

}  // namespace untangle
