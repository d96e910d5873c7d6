// Where the codes of factor-conditioned metrics come from. disentanglement_lib's metrics draw fresh
// observations themselves (utils.generate_batch_factor_code, factor_vae.py, beta_vae.py); a CodeSource
// gives them that ability whether the codes come from a model run on a dataset
// (metrics/representation.h) or from a precomputed codes table (metrics/codes_table.h).
//
// GridCodeSource implements disentanglement_lib's sampling over a full factor grid: factor indices
// uniform and independent per factor; subclasses only say how to encode a list of grid points.
#pragma once
#include <cstddef>
#include <utility>
#include <vector>

#include "kernels/cpu/philox.h"
#include "metrics/labelled_codes.h"

namespace untangle {

class CodeSource {
 public:
  virtual ~CodeSource() = default;
  virtual size_t num_codes() const = 0;
  virtual std::vector<size_t> factor_sizes() const = 0;

  // n random observations with their codes and factor indices (MIG, DCI, SAP, ... training sets).
  virtual LabelledCodes sample(size_t n, PhiloxRng& rng) const = 0;
  // codes (n, D) of n observations that share one (random) value of factor k, all else random (FactorVAE).
  virtual std::vector<double> sample_with_fixed_factor(size_t k, size_t n, PhiloxRng& rng) const = 0;
  // codes of n pairs, first and second (n, D) each, whose members share factor k (β-VAE score).
  virtual std::pair<std::vector<double>, std::vector<double>> sample_pairs_sharing_factor(
      size_t k, size_t n, PhiloxRng& rng) const = 0;
};

class GridCodeSource : public CodeSource {
 public:
  explicit GridCodeSource(std::vector<size_t> factor_sizes);
  std::vector<size_t> factor_sizes() const override { return factor_sizes_; }

  LabelledCodes sample(size_t n, PhiloxRng& rng) const override;
  // As factor_vae.py: draw n factor vectors, then set factor k of all of them to the first one's value.
  std::vector<double> sample_with_fixed_factor(size_t k, size_t n, PhiloxRng& rng) const override;
  // As beta_vae.py: two independent batches of factor vectors, factor k copied from the first.
  std::pair<std::vector<double>, std::vector<double>> sample_pairs_sharing_factor(
      size_t k, size_t n, PhiloxRng& rng) const override;

 protected:
  // factors: (n, K) grid points -> codes (n, D).
  virtual std::vector<double> encode_factors(const std::vector<size_t>& factors, size_t n) const = 0;
  // Row-major flat index of one factor vector (last factor fastest, as the datasets order them).
  size_t flat_index(const size_t* factors) const;

 private:
  std::vector<size_t> uniform_factors(size_t n, PhiloxRng& rng) const;  // (n, K)
  std::vector<size_t> factor_sizes_;
};

}  // namespace untangle
