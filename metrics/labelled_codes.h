// LabelledCodes: the table every supervised metric reads — one row per observation, holding the
// representation's code vector and the ground-truth factor *indices* of that observation.
// disentanglement_lib passes the same data around as mus [D, N] and ys [K, N]
// (utils.generate_batch_factor_code); we keep it row-major (N, D) / (N, K) like the .npy files.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace untangle {

struct LabelledCodes {
  size_t num_points = 0;
  size_t num_codes = 0;          // D, latent dimensions
  size_t num_factors = 0;        // K, factors of variation
  std::vector<double> codes;     // (num_points, num_codes)
  std::vector<int64_t> factors;  // (num_points, num_factors), indices 0..size-1

  double code(size_t point, size_t i) const { return codes[point * num_codes + i]; }
  int64_t factor(size_t point, size_t j) const { return factors[point * num_factors + j]; }
  std::vector<double> code_column(size_t i) const;
  std::vector<int64_t> factor_column(size_t j) const;
};

// Checks the sizes agree, codes are finite and factor indices non-negative; `what` names the data in errors.
LabelledCodes make_labelled_codes(std::vector<double> codes, std::vector<int64_t> factors, size_t num_points,
                                  size_t num_codes, size_t num_factors, const char* what = "codes/factors");

// The rows listed in `rows`, in that order (repeats allowed: sampling with replacement).
LabelledCodes select_rows(const LabelledCodes& table, const std::vector<size_t>& rows);

}  // namespace untangle
