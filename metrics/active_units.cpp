#include "metrics/active_units.h"

#include "core/check.h"

namespace untangle {

ActiveUnitsResult active_units(const std::vector<double>& posterior_variances, size_t num_points,
                               size_t num_codes, double threshold) {
  require(num_points > 0 && posterior_variances.size() == num_points * num_codes, "active_units: expected ",
          num_points, " x ", num_codes, " variances, got ", posterior_variances.size());
  ActiveUnitsResult result;
  result.mean_posterior_variance.assign(num_codes, 0.0);
  for (size_t n = 0; n < num_points; ++n)
    for (size_t u = 0; u < num_codes; ++u)
      result.mean_posterior_variance[u] += posterior_variances[n * num_codes + u] / double(num_points);
  result.active.resize(num_codes);
  for (size_t u = 0; u < num_codes; ++u) {
    result.active[u] = result.mean_posterior_variance[u] < threshold;
    result.num_active += result.active[u];
  }
  return result;
}

}  // namespace untangle
