// The divergences D(q(z), p(z)) between the aggregate posterior and the prior that Mathieu et al.'s
// decomposition objective weights by alpha (Mathieu, Rainforth, Siddharth & Teh, ICML 2019, the decomposition
// objective; iffsid/disentangling-disentanglement src/regularisers.py: imq_dim_kernel, kld_inc). Both are
// minibatch estimates built from autograd ops, so gradients reach the encoder (and a learnt prior scale).
#pragma once
#include <string>
#include <vector>

#include "nn/architectures.h"
#include "nn/priors.h"

namespace untangle {

enum class AggregateDivergence { Mmd, AggregateKl };
// "mmd" (upstream mmd_dim) | "aggregate_kl" (upstream kld_inc); an unknown name is an error.
AggregateDivergence aggregate_divergence_from_name(const std::string& name);
std::string aggregate_divergence_name(AggregateDivergence divergence);

// The inverse-multiquadratic kernel's constants C = 2 s over the scales s upstream sums (imq_dim_kernel).
const std::vector<float>& imq_kernel_constants();

// Dimension-wise MMD between prior samples and posterior samples, summed over the latents:
//   k_C(a, b) = C / (C + (a - b)^2),  summed over C in imq_kernel_constants()
//   MMD = (1/B) sum_d sum_C [ (sum_{i != j} k(p_id, p_jd) + sum_{i != j} k(q_id, q_jd)) / (B - 1)
//                             - (2/B) sum_{i, j} k(p_id, q_jd) ]
// (upstream's unbiased within-set terms, its biased cross term, and its final 1/B).
// prior_samples, posterior_samples: (B, D) each, B >= 2 -> scalar
Tensor dimensionwise_imq_mmd(Tape& tape, const Tensor& prior_samples, const Tensor& posterior_samples);

// The inclusive KL( p(z) || q(z) ) with q(z) the minibatch aggregate posterior:
//   mean_i [ log p(zp_i) - log (1/B) sum_j q(zp_i | x_j) ],   zp_i ~ p(z), i = 1..B
// prior_samples: (B, D); code: the batch's posterior (B, D) each -> scalar
Tensor aggregate_posterior_kl(Tape& tape, const Prior& prior, const Tensor& prior_samples,
                              const GaussianCode& code);

}  // namespace untangle
