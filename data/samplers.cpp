// Samplers; see samplers.h for the rules and their sources.
#include "data/samplers.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/check.h"

namespace untangle {

Factors sample_uniform_factors(const std::vector<size_t>& sizes, PhiloxRng& rng) {
  Factors factors(sizes.size());
  for (size_t k = 0; k < sizes.size(); ++k) factors[k] = size_t(rng.next_below(sizes[k]));
  return factors;
}

std::vector<size_t> sample_uniform_indices(const GroundTruthDataset& dataset, size_t count, PhiloxRng& rng) {
  // Uniform factors make a uniform flat index (the grid is a product), so draw the index directly.
  std::vector<size_t> indices(count);
  const size_t n = dataset.size();
  for (size_t& index : indices) index = size_t(rng.next_below(n));
  return indices;
}

ObservationPair sample_weak_pair(const GroundTruthDataset& dataset, PhiloxRng& rng, int k) {
  const std::vector<size_t> sizes = dataset.factor_sizes();
  const size_t K = sizes.size();
  require(K >= 2, dataset.name(), ": weak pairs need at least 2 factors");
  require(k == -1 || (k >= 1 && size_t(k) <= K), "weak pair: k must be -1 or in 1..", K, ", got ", k);
  Factors first = sample_uniform_factors(sizes, rng);
  size_t chosen_k = k == -1 ? 1 + size_t(rng.next_below(K - 1)) : size_t(k);
  // Half of the pairs change exactly one factor, whatever k is (disentanglement_lib issue #31 behaviour).
  if (rng.next_below(2) == 0) chosen_k = 1;
  // k distinct factors: a partial Fisher-Yates shuffle of 0..K-1.
  std::vector<size_t> order(K);
  std::iota(order.begin(), order.end(), size_t(0));
  for (size_t i = 0; i < chosen_k; ++i) std::swap(order[i], order[i + size_t(rng.next_below(K - i))]);
  Factors second = first;
  for (size_t i = 0; i < chosen_k; ++i) second[order[i]] = size_t(rng.next_below(sizes[order[i]]));
  return {dataset.factors_to_index(first), dataset.factors_to_index(second), chosen_k};
}

std::vector<double> laplace_transition_pmf(size_t size, size_t current, double rate) {
  require(size >= 1 && current < size && rate > 0, "laplace_transition_pmf: bad arguments");
  std::vector<double> pmf(size, 1.0);
  if (size == 1) return pmf;
  const double scale = std::log(double(size)) / rate;  // b = ln(size) / rate (Slow-VAE TupleLoader)
  double total = 0;
  for (size_t v = 0; v < size; ++v)
    total += pmf[v] = std::exp(-std::fabs(double(v) - double(current)) / scale);
  for (double& p : pmf) p /= total;
  return pmf;
}

namespace {

size_t draw_from(const std::vector<double>& weights, PhiloxRng& rng) {
  double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  double target = double(rng.next_uniform()) * total;
  for (size_t v = 0; v < weights.size(); ++v) {
    target -= weights[v];
    if (target < 0) return v;
  }
  // Rounding left a sliver: take the last value with weight.
  for (size_t v = weights.size(); v-- > 0;)
    if (weights[v] > 0) return v;
  return 0;
}

}  // namespace

TemporalTransition::Prior transition_prior_from_name(const std::string& name) {
  if (name == "laplace") return TemporalTransition::Prior::Laplace;
  if (name == "uniform") return TemporalTransition::Prior::Uniform;
  fail("unknown temporal transition prior '", name, "' (known: laplace, uniform)");
}

namespace {

// The Laplace prior: every non-categorical factor takes a truncated Laplace step; never an unmoved pair.
Factors laplace_transition(const GroundTruthDataset& dataset, const Factors& first, double rate,
                           PhiloxRng& rng) {
  const std::vector<size_t> sizes = dataset.factor_sizes();
  const std::vector<bool> categorical = dataset.categorical_factors();
  const double pair_rate = rate == -1.0 ? 1.0 + 9.0 * double(rng.next_uniform()) : rate;
  Factors second = first;
  for (size_t k = 0; k < sizes.size(); ++k)
    if (!categorical[k]) second[k] = draw_from(laplace_transition_pmf(sizes[k], first[k], pair_rate), rng);
  if (second == first) {
    // Every pair must differ: redraw one movable factor (with more than one value) without its value.
    std::vector<size_t> movable;
    for (size_t k = 0; k < sizes.size(); ++k)
      if (!categorical[k] && sizes[k] > 1) movable.push_back(k);
    if (!movable.empty()) {
      size_t k = movable[size_t(rng.next_below(movable.size()))];
      std::vector<double> pmf = laplace_transition_pmf(sizes[k], first[k], pair_rate);
      pmf[first[k]] = 0.0;
      second[k] = draw_from(pmf, rng);
    }
  }
  return second;
}

// The uniform prior: k distinct factors (categorical ones included, as the reference) each move to a
// uniformly drawn different value, so exactly k factors differ.
Factors uniform_transition(const GroundTruthDataset& dataset, const Factors& first, int k, PhiloxRng& rng) {
  const std::vector<size_t> sizes = dataset.factor_sizes();
  const size_t K = sizes.size();
  require(K >= 2, dataset.name(), ": uniform transitions need at least 2 factors");
  require(k == -1 || (k >= 1 && size_t(k) <= K), "uniform transition: k must be -1 or in 1..", K, ", got ",
          k);
  for (size_t size : sizes)
    require(size >= 2, dataset.name(), ": uniform transitions need every factor to have 2+ values");
  const size_t chosen_k = k == -1 ? 1 + size_t(rng.next_below(K - 1)) : size_t(k);
  std::vector<size_t> order(K);
  std::iota(order.begin(), order.end(), size_t(0));
  for (size_t i = 0; i < chosen_k; ++i) std::swap(order[i], order[i + size_t(rng.next_below(K - i))]);
  Factors second = first;
  for (size_t i = 0; i < chosen_k; ++i) {
    const size_t f = order[i];
    // A uniform draw over the size - 1 other values: draw below size - 1, then skip the current value.
    size_t value = size_t(rng.next_below(sizes[f] - 1));
    second[f] = value >= first[f] ? value + 1 : value;
  }
  return second;
}

}  // namespace

ObservationPair sample_temporal_pair(const GroundTruthDataset& dataset, PhiloxRng& rng,
                                     const TemporalTransition& transition) {
  const bool laplace = transition.prior == TemporalTransition::Prior::Laplace;
  require(!laplace || transition.rate == -1.0 || transition.rate > 0,
          "temporal pair: rate must be > 0 or -1, got ", transition.rate);
  Factors first = dataset.index_to_factors(size_t(rng.next_below(dataset.size())));
  Factors second = laplace ? laplace_transition(dataset, first, transition.rate, rng)
                           : uniform_transition(dataset, first, transition.k, rng);
  return {dataset.factors_to_index(first), dataset.factors_to_index(second), 0};
}

ObservationPair sample_temporal_pair(const GroundTruthDataset& dataset, PhiloxRng& rng, double rate) {
  TemporalTransition transition;
  transition.rate = rate;
  return sample_temporal_pair(dataset, rng, transition);
}

MatchPairing match_pairing_from_name(const std::string& name) {
  if (name == "share") return MatchPairing::Share;
  if (name == "change") return MatchPairing::Change;
  fail("unknown match pairing '", name, "' (known: share, change)");
}

MatchedPair sample_matched_pair(const GroundTruthDataset& dataset, PhiloxRng& rng, MatchPairing pairing) {
  const std::vector<size_t> sizes = dataset.factor_sizes();
  // As the reference: both factor vectors drawn independently, then the factors outside the mask copied
  // from the first (mask = the label factor for change pairing, every other factor for share pairing).
  MatchedPair pair;
  pair.label = size_t(rng.next_below(sizes.size()));
  Factors first = sample_uniform_factors(sizes, rng), second = sample_uniform_factors(sizes, rng);
  for (size_t k = 0; k < sizes.size(); ++k) {
    const bool resampled = pairing == MatchPairing::Change ? k == pair.label : k != pair.label;
    if (!resampled) second[k] = first[k];
  }
  pair.first = dataset.factors_to_index(first);
  pair.second = dataset.factors_to_index(second);
  return pair;
}

std::vector<size_t> sample_weak_pair_batch(const GroundTruthDataset& dataset, size_t pairs, PhiloxRng& rng,
                                           int k) {
  std::vector<size_t> batch;
  batch.reserve(2 * pairs);
  for (size_t i = 0; i < pairs; ++i) {
    ObservationPair pair = sample_weak_pair(dataset, rng, k);
    batch.push_back(pair.first);
    batch.push_back(pair.second);
  }
  return batch;
}

std::vector<size_t> sample_temporal_pair_batch(const GroundTruthDataset& dataset, size_t pairs,
                                               PhiloxRng& rng, const TemporalTransition& transition) {
  std::vector<size_t> batch;
  batch.reserve(2 * pairs);
  for (size_t i = 0; i < pairs; ++i) {
    ObservationPair pair = sample_temporal_pair(dataset, rng, transition);
    batch.push_back(pair.first);
    batch.push_back(pair.second);
  }
  return batch;
}

std::vector<size_t> traversal_indices(const GroundTruthDataset& dataset, const Factors& base, size_t factor) {
  const std::vector<size_t> sizes = dataset.factor_sizes();
  require(factor < sizes.size(), dataset.name(), ": no factor ", factor, " to traverse");
  Factors f = base;
  std::vector<size_t> indices;
  for (size_t v = 0; v < sizes[factor]; ++v) {
    f[factor] = v;
    indices.push_back(dataset.factors_to_index(f));
  }
  return indices;
}

std::vector<size_t> sample_fixed_factor_batch(const GroundTruthDataset& dataset, size_t factor, size_t count,
                                              PhiloxRng& rng, size_t* value_out) {
  const std::vector<size_t> sizes = dataset.factor_sizes();
  require(factor < sizes.size(), dataset.name(), ": no factor ", factor, " to fix");
  const size_t value = size_t(rng.next_below(sizes[factor]));
  if (value_out) *value_out = value;
  std::vector<size_t> indices(count);
  for (size_t& index : indices) {
    Factors f = sample_uniform_factors(sizes, rng);
    f[factor] = value;
    index = dataset.factors_to_index(f);
  }
  return indices;
}

PairedBatches sample_shared_factor_pairs(const GroundTruthDataset& dataset, size_t factor, size_t pairs,
                                         PhiloxRng& rng) {
  const std::vector<size_t> sizes = dataset.factor_sizes();
  require(factor < sizes.size(), dataset.name(), ": no factor ", factor, " to share");
  PairedBatches batches;
  for (size_t i = 0; i < pairs; ++i) {
    Factors a = sample_uniform_factors(sizes, rng), b = sample_uniform_factors(sizes, rng);
    b[factor] = a[factor];
    batches.first.push_back(dataset.factors_to_index(a));
    batches.second.push_back(dataset.factors_to_index(b));
  }
  return batches;
}

}  // namespace untangle
