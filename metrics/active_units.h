// Active units: how many latent dimensions a VAE actually uses. A unit whose posterior variance stays
// near the prior's 1 for every input carries no information about the input.
//
// Rule used by the over-pruning filter of Zietlow et al. §5.3 (docs/metrics.md) (runs with fewer active units
// than factors are discarded), threshold 0.8 on E_x[σ²_u(x)], the posterior variance averaged over the
// data. The paper words it "E[σ²] < 0.8 means inactive"; read literally that would call the
// informative (narrow-posterior) units inactive, so we take the only reading consistent with the
// purpose: a unit is *active* when its average posterior variance is below 0.8, i.e. noticeably
// narrower than the N(0, 1) prior. docs/metrics.md records this choice.
#pragma once
#include <cstddef>
#include <vector>

namespace untangle {

struct ActiveUnitsResult {
  std::vector<double> mean_posterior_variance;  // (num_codes,) E_x[σ²_u(x)]
  std::vector<bool> active;                     // (num_codes,)
  size_t num_active = 0;
};

// posterior_variances: (num_points, num_codes) σ² of q(z|x) per point (exp(logvar)).
ActiveUnitsResult active_units(const std::vector<double>& posterior_variances, size_t num_points,
                               size_t num_codes, double threshold = 0.8);

}  // namespace untangle
