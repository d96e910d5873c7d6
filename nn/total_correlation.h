// Minibatch estimates of the total correlation TC = KL( q(z) || prod_j q(z_j) ) of the aggregate
// posterior, for beta-TCVAE (Chen et al. 2018; disentanglement_lib vae.py BetaTCVAE,
// total_correlation; docs/reference/models.md "beta_tcvae").
//
// Both use L[i, j, d] = log N(z_id; mean_jd, exp(log_variance_jd)): the density of sample i's code under
// example j's posterior, per latent.
#pragma once
#include "nn/architectures.h"

namespace untangle {

// disentanglement_lib's estimate, the one the loss uses (minibatch weighted sampling without its
// constants):
//   TC_raw = mean_i [ logsumexp_j sum_d L[i,j,d]  -  sum_d logsumexp_j L[i,j,d] ]
// It equals Chen et al.'s MWS estimate minus (D-1) log(N B), a constant that changes no gradient, so
// a batch of independent latents reads about -(D-1) ln B, not 0.  z: (B, D), code: (B, D) each -> scalar
Tensor total_correlation_minibatch(Tape& tape, const Tensor& z, const GaussianCode& code);

// A dataset-size-corrected estimate, for logging (computed in double, no gradient): the aggregate
// posterior over a dataset of N examples is approximated as
//   q(z_i) ~ (1/N) q(z_i | x_i) + ((N-1)/N) mean_{j != i} q(z_i | x_j)
// (the sample's own posterior is one of N data points; the other B-1 stand in for the remaining N-1),
// likewise for each marginal q(z_id). These weights sum to 1 (the intent of Chen et al.'s stratified
// sampling), so independent latents read about 0 for large B. Needs B >= 2.
double total_correlation_stratified(const Tensor& z, const GaussianCode& code, double dataset_size);

}  // namespace untangle
