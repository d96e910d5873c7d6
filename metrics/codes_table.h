// A precomputed codes table (codes.npy + factors.npy, as `untangle encode` writes them) standing in for
// "run the model on a fresh observation" when a metric needs fresh samples.
//
// - If the table holds every point of the factor grid, it is an exact lookup: sampling follows
//   disentanglement_lib exactly (uniform factors, FactorVAE's fixed-factor batches, β-VAE's pairs).
// - Otherwise the table is treated as an empirical sample of the data: random observations are random
//   rows; a FactorVAE batch is rows drawn from those sharing the value of factor k of a random row; a
//   β-VAE pair is a random row and a random row sharing its factor k. The other factors then follow the
//   table's distribution instead of being uniform. A factor value held by fewer than 2 rows cannot
//   provide such batches: make_codes_table_source says which factor and value, and how many rows.
// Rows are drawn with replacement.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "metrics/code_source.h"

namespace untangle {

// The source refers to `table`, which must outlive it.
// factor_sizes: the grid's sizes (empty: max index + 1 per factor). Throws untangle::Error when an index
// is outside its factor's size, or, if need_factor_conditioning, when the table is too sparse for it.
std::unique_ptr<CodeSource> make_codes_table_source(const LabelledCodes& table, std::vector<size_t> factor_sizes,
                                                    bool need_factor_conditioning);

// Whether `table` holds every point of the grid with these sizes (then it can be an exact lookup).
bool covers_factor_grid(const LabelledCodes& table, const std::vector<size_t>& factor_sizes);

}  // namespace untangle
