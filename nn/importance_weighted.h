// The importance-weighted estimate of log p(x) (Burda, Grosse & Salakhutdinov 2016, "Importance Weighted
// Autoencoders", eq. 8), the held-out likelihood Mathieu et al. report (ICML 2019, experiments; iffsid/
// disentangling-disentanglement src/objectives.py iwae_objective, K = 1000 there):
//   log p(x) ~ log (1/K) sum_k p(x | z_k) p(z_k) / q(z_k | x),   z_k ~ q(z | x)
// It is a lower bound in expectation that tightens as K grows, and exact for any K when q(z|x) is the
// true posterior. The prior is the model's (Model::prior_log_density). The likelihood p(x|z) is the
// normalised density behind the reconstruction loss:
//   bernoulli  sum over pixels of x log sigmoid(l) + (1 - x) log(1 - sigmoid(l))  (-(the loss))
//   mse        a Gaussian of variance 1/2 per pixel, so -log p(x|z) = sum (x_hat - x)^2 + (P/2) log pi:
//              the summed squared error is its negative log-density up to that constant
// The box-blur loss has no such density and is refused.
#pragma once
#include <vector>

#include "nn/model.h"

namespace untangle {

// x: (B, C, H, W) model inputs -> B estimates of log p(x) (nats), each from `samples` draws of `rng`.
std::vector<double> importance_weighted_log_likelihood(const Model& model, const Tensor& x, int samples,
                                                       PhiloxRng& rng);

}  // namespace untangle
