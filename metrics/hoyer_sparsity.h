// The normalised Hoyer sparsity of a representation, as Mathieu et al. report it (Mathieu, Rainforth,
// Siddharth & Teh, ICML 2019, sparsity experiments; iffsid/disentangling-disentanglement src/metrics.py;
// Hoyer 2004, "Non-negative matrix factorization with sparseness constraints"):
//   1. each latent is divided by its standard deviation over the data (so no latent wins by scale alone);
//   2. per point, Hoyer(z) = (sqrt(D) - |z|_1 / |z|_2) / (sqrt(D) - 1):  1 for a one-hot code, 0 when
//      every coordinate has the same magnitude;
//   3. the average over points.
#pragma once
#include <cstddef>
#include <vector>

namespace untangle {

// z: D values (D >= 2) -> Hoyer(z) in [0, 1]. An all-zero z has no direction: the result is NaN.
double hoyer_sparsity(const double* z, size_t D);

// codes: (points, D) row-major -> the mean normalised Hoyer sparsity. Latents are scaled by their sample
// standard deviation (N - 1 in the denominator, torch's std); a latent with no spread is left as it is,
// and all-zero rows (undefined sparsity) are left out of the mean.
double normalised_hoyer_sparsity(const std::vector<double>& codes, size_t points, size_t D);

}  // namespace untangle
