// Ways of drawing observations from a ground-truth dataset, all driven by one PhiloxRng so that a
// seed reproduces every draw. Each returns flat indices (or factor vectors); render them with
// GroundTruthDataset::render_batch.
//
//   uniform         i.i.d. factors, each uniform over its values (disentanglement_lib sample_factors)
//   weak pair       Ada-GVAE / Locatello et al. 2020 pairs (docs/reference/samplers.md "weak pair"):
//                   k ~ U{1..K-1} (or a fixed k), then k <- 1 or k with odds 50/50, then k distinct
//                   factors are redrawn uniformly over *all* their values (so up to k differ, maybe 0)
//   temporal pair   Slow-VAE / PCL transitions (bethgelab/slow_disentanglement/scripts/dataset.py
//                   TupleLoader): with the default `laplace` prior every factor moves by a discrete Laplace
//                   step truncated to its grid, p(v) ~ exp(-|v - v0| / b) with b = ln(size) / rate;
//                   categorical factors stay; a pair that did not move redraws one non-categorical factor
//                   with its current value excluded. With the `uniform` prior (Locatello-style) k factors,
//                   any of them (categorical too), each move to a uniformly drawn *different* value.
//   matched pair    Shu et al. 2020 match pairing (google-research weak_disentangle/datasets.py): one factor
//                   i is drawn uniformly and is the pair's label; `share` pairing keeps factor i and redraws
//                   every other factor independently, `change` pairing redraws factor i only (it may land
//                   on its old value) and keeps the rest
//   traversal       one factor swept over all its values, the others fixed
//   fixed factor    a batch that shares one factor's (random) value, the rest uniform — the FactorVAE
//                   score's batches (disentanglement_lib factor_vae.py: column k of every row set to row 0's)
//   shared factor   two batches whose i-th rows agree on one factor and are otherwise independent — the
//   pairs           beta-VAE score's samples (disentanglement_lib beta_vae.py: column k copied to batch 2)
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "kernels/cpu/philox.h"

namespace untangle {

using Factors = std::vector<size_t>;

// One factor vector with factor k uniform in [0, sizes[k]).
Factors sample_uniform_factors(const std::vector<size_t>& sizes, PhiloxRng& rng);
// `count` i.i.d. uniform observations (flat indices).
std::vector<size_t> sample_uniform_indices(const GroundTruthDataset& dataset, size_t count, PhiloxRng& rng);

struct ObservationPair {
  size_t first = 0, second = 0;  // flat indices
  size_t factors_redrawn = 0;    // weak pairs: how many factors were redrawn (they may keep their value)
};

// k = -1 draws k ~ U{1 .. K-1} per pair, as the `*_os` configs (p_k = -1) do; k >= 1 fixes it.
ObservationPair sample_weak_pair(const GroundTruthDataset& dataset, PhiloxRng& rng, int k = -1);

// How temporal pairs move (the reference's --data-distribution, --rate-data and --data-k).
struct TemporalTransition {
  enum class Prior { Laplace, Uniform };
  Prior prior = Prior::Laplace;
  // Laplace: rate > 0 of the transitions (the reference default is 1); -1 draws a fresh rate ~ U(1, 10)
  // per pair, as the reference's rate_data = -1.
  double rate = 1.0;
  // Uniform: how many factors change; -1 draws k ~ U{1 .. K-1} per pair.
  int k = -1;
};
// "laplace" | "uniform" (an unknown name is an error naming the known ones).
TemporalTransition::Prior transition_prior_from_name(const std::string& name);

ObservationPair sample_temporal_pair(const GroundTruthDataset& dataset, PhiloxRng& rng,
                                     const TemporalTransition& transition = {});
// The Laplace transition with `rate` (kept for callers that only set the rate).
ObservationPair sample_temporal_pair(const GroundTruthDataset& dataset, PhiloxRng& rng, double rate);
// The truncated Laplace transition pmf over {0 .. size-1} from `current` (exposed for tests and docs).
std::vector<double> laplace_transition_pmf(size_t size, size_t current, double rate);

// `pairs` pairs as one batch of 2*pairs indices, interleaved: rows 0, 1 are pair 1; rows 2, 3 pair 2; ...
// (the Slow-VAE TupleLoader's layout, docs/reference/samplers.md). k / rate as for the single-pair samplers.
std::vector<size_t> sample_weak_pair_batch(const GroundTruthDataset& dataset, size_t pairs, PhiloxRng& rng,
                                           int k = -1);
std::vector<size_t> sample_temporal_pair_batch(const GroundTruthDataset& dataset, size_t pairs,
                                               PhiloxRng& rng, const TemporalTransition& transition = {});

// Match pairing (Shu et al.): `share` keeps only the label factor in common, `change` changes only it.
enum class MatchPairing { Share, Change };
// "share" | "change" (an unknown name is an error naming the known ones).
MatchPairing match_pairing_from_name(const std::string& name);
struct MatchedPair {
  size_t first = 0, second = 0;  // flat indices
  size_t label = 0;              // the factor the pairing is about (the mask index of the reference)
};
MatchedPair sample_matched_pair(const GroundTruthDataset& dataset, PhiloxRng& rng, MatchPairing pairing);

// Flat indices of `base` with factor `factor` set to 0, 1, ..., size-1.
std::vector<size_t> traversal_indices(const GroundTruthDataset& dataset, const Factors& base, size_t factor);

// `count` observations that all share one value of `factor` (drawn uniformly), other factors uniform.
// value_out (optional) receives the shared value.
std::vector<size_t> sample_fixed_factor_batch(const GroundTruthDataset& dataset, size_t factor, size_t count,
                                              PhiloxRng& rng, size_t* value_out = nullptr);

// Two batches of `pairs` indices: first[i] and second[i] share the value of `factor` (drawn per pair);
// every other factor is independent and uniform.
struct PairedBatches {
  std::vector<size_t> first, second;
};
PairedBatches sample_shared_factor_pairs(const GroundTruthDataset& dataset, size_t factor, size_t pairs,
                                         PhiloxRng& rng);

}  // namespace untangle
