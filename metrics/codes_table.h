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
std::unique_ptr<CodeSource> make_codes_table_source(const LabelledCodes& table,
                                                    std::vector<size_t> factor_sizes,
                                                    bool need_factor_conditioning);

// A user's codes table checked before any score is computed from it (`what` names it in errors):
// - at least kMinimumMetricRows rows: metrics draw their training and test points from the table, and
//   from a handful of rows those draws are the same points (DCI informativeness read 1.0 on 3 rows);
// - codes at a scale the scores are defined at: the reference implementations use absolute thresholds
//   (sklearn's tree splitter treats values closer than 1e-7 as equal; FactorVAE prunes dimensions with
//   std below 0.05), so a representation multiplied by 1e-6 loses its DCI and FactorVAE scores. Measured
//   with tests/fixtures/metrics/codes_mixed_train.npy times 10^e (docs/reliability.md): DCI
//   disentanglement is the same to 10 digits for e = -1 .. 30, drifts at e = -2 (largest column std
//   0.0031) and is wrong at e = -6 and e = 50. So the largest column std must be at least
//   kSmallestCodeSpread and every |code| at most kLargestCode; otherwise the table is refused with the
//   advice to rescale, rather than scored silently.
constexpr size_t kMinimumMetricRows = 10;
constexpr double kSmallestCodeSpread = 1e-2, kLargestCode = 1e31;
void check_codes_for_metrics(const LabelledCodes& table, const std::string& what);

// Whether `table` holds every point of the grid with these sizes (then it can be an exact lookup).
bool covers_factor_grid(const LabelledCodes& table, const std::vector<size_t>& factor_sizes);

// Disjoint train and test rows of a table: the rows in an order shuffled with `seed` (Philox stream
// `seed`, Fisher-Yates), the first round(N * test_fraction) of them the test set, the rest the train set.
// Both sets get at least one row; a table of fewer than 2 rows is an error.
struct RowSplit {
  LabelledCodes train, test;
};
inline constexpr double kTestFraction =
    1.0 / 3.0;  // disentanglement_lib's DCI/SAP sizes: 10,000 train, 5,000 test
RowSplit split_rows(const LabelledCodes& table, double test_fraction, uint64_t seed);

}  // namespace untangle
