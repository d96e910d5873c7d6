// The Slow-VAE's sparse transition prior (nn/model_slow_vae.cpp): the cross-entropy of a Gaussian
// posterior under a Laplace prior, in closed form (Klindt et al. 2021;
// bethgelab/slow_disentanglement/scripts/solver.py, Solver.compute_cross_ent_laplace). On its own so that
// tests can compare it with a numerical integral.
//   CE = -E_{z ~ N(mu, s^2)} [log Laplace(z; location, rate)] = -log(rate/2) + rate E|Y|,
//        Y ~ N(m, s^2), m = mu - location
//   E|Y| = s sqrt(2/pi) exp(-m^2/(2 s^2)) + m (1 - 2 Phi(-m/s))     (the mean of a folded normal)
//        = s sqrt(2/pi) exp(-u^2/2) + m erf(u/sqrt 2),  u = m/s     (1 - 2 Phi(-u) = erf(u/sqrt 2))
#pragma once
#include "autograd/ops.h"
#include "nn/architectures.h"

namespace untangle {

// q: mean and log-variance (P, D), location: (P, D), rate > 0 -> CE elementwise (P, D). Gradients reach
// the mean, the log-variance and the location.
Tensor laplace_cross_entropy(Tape& tape, const GaussianCode& q, const Tensor& location, float rate);

}  // namespace untangle
