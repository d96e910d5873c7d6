#include "metrics/code_source.h"

#include "core/check.h"

namespace untangle {

GridCodeSource::GridCodeSource(std::vector<size_t> factor_sizes) : factor_sizes_(std::move(factor_sizes)) {
  require(!factor_sizes_.empty(), "code source: no factors");
  for (size_t size : factor_sizes_) require(size > 0, "code source: a factor has size 0");
}

size_t GridCodeSource::flat_index(const size_t* factors) const {
  size_t index = 0;
  for (size_t k = 0; k < factor_sizes_.size(); ++k) index = index * factor_sizes_[k] + factors[k];
  return index;
}

std::vector<size_t> GridCodeSource::uniform_factors(size_t n, PhiloxRng& rng) const {
  const size_t K = factor_sizes_.size();
  std::vector<size_t> factors(n * K);
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < K; ++k) factors[i * K + k] = size_t(rng.next_below(factor_sizes_[k]));
  return factors;
}

LabelledCodes GridCodeSource::sample(size_t n, PhiloxRng& rng) const {
  const size_t K = factor_sizes_.size();
  const std::vector<size_t> factors = uniform_factors(n, rng);
  std::vector<double> codes = encode_factors(factors, n);
  return make_labelled_codes(std::move(codes), std::vector<int64_t>(factors.begin(), factors.end()), n,
                             num_codes(), K, "sampled codes");
}

std::vector<double> GridCodeSource::sample_with_fixed_factor(size_t k, size_t n, PhiloxRng& rng) const {
  const size_t K = factor_sizes_.size();
  require(k < K, "code source: factor ", k, " out of range");
  std::vector<size_t> factors = uniform_factors(n, rng);
  for (size_t i = 1; i < n; ++i) factors[i * K + k] = factors[k];
  return encode_factors(factors, n);
}

std::pair<std::vector<double>, std::vector<double>> GridCodeSource::sample_pairs_sharing_factor(
    size_t k, size_t n, PhiloxRng& rng) const {
  const size_t K = factor_sizes_.size();
  require(k < K, "code source: factor ", k, " out of range");
  std::vector<size_t> first = uniform_factors(n, rng), second = uniform_factors(n, rng);
  for (size_t i = 0; i < n; ++i) second[i * K + k] = first[i * K + k];
  return {encode_factors(first, n), encode_factors(second, n)};
}

}  // namespace untangle
