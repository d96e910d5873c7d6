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
//
// Train/test rows for the metrics that fit a predictor (DCI, SAP, explicitness) come from split_rows:
// disjoint sets of the table's rows, so no test row is ever a training row (drawing both from the same
// rows would score memorisation, e.g. DCI informativeness 1.0 on a 40-row table).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "metrics/code_source.h"

namespace untangle {

// The source refers to `table`, which must outlive it.
// factor_sizes: the grid's sizes, one per factor column — never guessed from the indices present (a
// sample rarely holds every factor's largest value). Throws untangle::Error when they are missing or an
// index is outside its factor's size, or, if need_factor_conditioning, when the table is too sparse for it.
std::unique_ptr<CodeSource> make_codes_table_source(const LabelledCodes& table, std::vector<size_t> factor_sizes,
                                                    bool need_factor_conditioning);

// Whether `table` holds every point of the grid with these sizes (then it can be an exact lookup).
bool covers_factor_grid(const LabelledCodes& table, const std::vector<size_t>& factor_sizes);

// Disjoint train and test rows of a table: the rows in an order shuffled with `seed` (Philox stream
// `seed`, Fisher-Yates), the first round(N * test_fraction) of them the test set, the rest the train set.
// Both sets get at least one row; a table of fewer than 2 rows is an error.
struct RowSplit {
  LabelledCodes train, test;
};
inline constexpr double kTestFraction = 1.0 / 3.0;  // disentanglement_lib's DCI/SAP sizes: 10,000 train, 5,000 test
RowSplit split_rows(const LabelledCodes& table, double test_fraction, uint64_t seed);

}  // namespace untangle
