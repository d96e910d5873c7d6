// Mathieu et al.'s rotation argument, computed (ICML 2019, its analysis of the beta-VAE; the abstract states
// the result): rotating a VAE's latent space by an orthogonal R (encoder output z -> R z, decoder input z ->
// R^T z) leaves the beta-VAE objective with the isotropic prior N(0, I) unchanged, because N(0, I) is
// rotation-invariant, while an anisotropic prior N(0, diag lambda) sees the change. The disentanglement
// metrics, which score axis alignment, do see it.
//
// The rotated model, with the encoder's posterior N(mean, diag var) and the same noise eps:
//   mean' = R mean,  Sigma' = R diag(var) R^T,  z' = mean' + R (sqrt(var) * eps),  x_hat = decode(R^T z')
//   KL(N(mean', Sigma') || N(0, diag lambda)) = 0.5 (sum_i Sigma'_ii / lambda_i + sum_i mean'_i^2 / lambda_i
//                                                    - D + sum_i log lambda_i - log det Sigma')
// Everything that a rotated network would compute in float (mean', z', R^T z', the decoder) is computed in
// float; the KLs are taken in double from those float values (log det by Cholesky), so the differences
// measured are the float rounding of the rotated network.
#pragma once
#include <vector>

#include "metrics/representation.h"
#include "nn/model.h"

namespace untangle {

// A Haar-distributed random orthogonal D x D matrix (row-major): Gram-Schmidt on a matrix of standard
// normals, each column's sign fixed by the diagonal of R in the QR factorisation (Mezzadri 2007, "How to
// generate random matrices from the classical compact groups").
std::vector<double> random_orthogonal(int D, PhiloxRng& rng);
// The identity, for the unrotated model.
std::vector<double> identity_matrix(int D);

struct RotatedObjective {
  double reconstruction = 0;  // the model's reconstruction loss (its reduction), from decode(R^T z')
  double kl_isotropic = 0;    // KL to N(0, I), mean over the batch
  double kl_anisotropic = 0;  // KL to N(0, diag lambda), mean over the batch
};

// x: (B, C, H, W) model inputs; noise: B * D standard normals (row-major); rotation: D x D row-major;
// prior_variances: lambda (D values).
RotatedObjective rotated_objective(const Model& model, const Tensor& x, const std::vector<float>& noise,
                                   const std::vector<double>& rotation,
                                   const std::vector<double>& prior_variances);

// codes -> R codes (each D-vector of `base`'s output multiplied by R).
RepresentationFunction rotated_representation(RepresentationFunction base, std::vector<double> rotation,
                                              int D);

}  // namespace untangle
