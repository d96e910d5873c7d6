// FactorVAE and β-VAE scores, the code sources they sample from (dataset + representation function,
// full-grid and partial codes tables), and evaluate_metrics end to end on a dataset.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "metrics/beta_vae_score.h"
#include "metrics/codes_table.h"
#include "metrics/evaluate.h"
#include "metrics/factor_vae_score.h"
#include "metrics/representation.h"
#include "metrics_fixtures.h"
#include "segments_dataset.h"

using namespace untangle;
using namespace untangle::test;

namespace {

const std::vector<size_t> kSizes = {4, 3, 5};

// Codes = the factors themselves.
RepresentationFunction identity_representation(const SegmentsDataset& dataset) {
  return [&dataset](const float* images, size_t batch, float* codes) {
    for (size_t b = 0; b < batch; ++b) dataset.decode_factors(images + b * dataset.width(), 3, codes + b * 3);
  };
}

// Codes mixing factors 0 and 1: (f0 + f1, f0 − f1, f2).
RepresentationFunction mixed_representation(const SegmentsDataset& dataset) {
  return [&dataset](const float* images, size_t batch, float* codes) {
    for (size_t b = 0; b < batch; ++b) {
      float f[3];
      dataset.decode_factors(images + b * dataset.width(), 3, f);
      codes[b * 3] = f[0] + f[1];
      codes[b * 3 + 1] = f[0] - f[1];
      codes[b * 3 + 2] = f[2];
    }
  };
}

// The whole grid encoded by a representation: a codes table in grid order.
LabelledCodes encode_grid(const SegmentsDataset& dataset, const RepresentationFunction& representation) {
  LabelledCodes table;
  table.num_points = dataset.size();
  table.num_codes = 3;
  table.num_factors = 3;
  std::vector<float> image(dataset.width()), code(3);
  for (size_t index = 0; index < dataset.size(); ++index) {
    dataset.render(index, image.data());
    representation(image.data(), 1, code.data());
    for (float c : code) table.codes.push_back(c);
    for (size_t f : dataset.index_to_factors(index)) table.factors.push_back(int64_t(f));
  }
  return table;
}

const FactorVaeOptions kSmallFactorVae{32, 300, 200, 500, 0.05};
const BetaVaeOptions kSmallBetaVae{16, 300, 200};

}  // namespace

TEST_CASE("FactorVAE and beta-VAE scores: identity codes score 1, mixed codes less") {
  SegmentsDataset dataset(kSizes);
  DatasetCodeSource identity(dataset, identity_representation(dataset), 3, 16);
  PhiloxRng rng(1);
  FactorVaeResult factor_vae = factor_vae_score(identity, kSmallFactorVae, rng);
  // Fixing factor k makes code k constant (local variance 0): every vote is right.
  CHECK(factor_vae.eval_accuracy == 1.0);
  CHECK(factor_vae.train_accuracy == 1.0);
  CHECK(factor_vae.num_active_dims == 3);
  // |Δz| is exactly 0 on the shared factor's code and positive elsewhere: linearly separable.
  BetaVaeResult beta_vae = beta_vae_score(identity, kSmallBetaVae, rng);
  CHECK(beta_vae.eval_accuracy == 1.0);

  // (f0 + f1, f0 − f1, f2): fixing f0 or f1 shrinks codes 0 and 1 alike, so those two factors share
  // codes and the majority vote can only get about one of them right: accuracy ≈ 2/3.
  DatasetCodeSource mixed(dataset, mixed_representation(dataset), 3, 16);
  FactorVaeResult mixed_score = factor_vae_score(mixed, kSmallFactorVae, rng);
  CHECK(mixed_score.eval_accuracy < 0.85);
  CHECK(mixed_score.eval_accuracy > 0.5);
}

TEST_CASE("FactorVAE prunes codes below the std threshold") {
  SegmentsDataset dataset(kSizes);
  // Code 2 is f2 scaled down to std ≈ 0.014 < 0.05: pruned, so factor 2's votes go to an active code.
  RepresentationFunction shrunk = [&dataset](const float* images, size_t batch, float* codes) {
    for (size_t b = 0; b < batch; ++b) {
      dataset.decode_factors(images + b * dataset.width(), 3, codes + b * 3);
      codes[b * 3 + 2] *= 0.01f;
    }
  };
  DatasetCodeSource source(dataset, shrunk, 3, 16);
  PhiloxRng rng(2);
  FactorVaeResult pruned = factor_vae_score(source, kSmallFactorVae, rng);
  CHECK(pruned.num_active_dims == 2);
  CHECK(pruned.eval_accuracy < 0.8);  // factor 2 (1/3 of the votes) cannot be classified
  FactorVaeOptions keep_all = kSmallFactorVae;
  keep_all.prune_threshold = 0.0;  // disent's setting
  CHECK(factor_vae_score(source, keep_all, rng).eval_accuracy == 1.0);
}

TEST_CASE("a full-grid codes table reproduces the dataset source exactly") {
  SegmentsDataset dataset(kSizes);
  const RepresentationFunction representation = mixed_representation(dataset);
  DatasetCodeSource from_dataset(dataset, representation, 3, 16);
  const LabelledCodes table = encode_grid(dataset, representation);
  const std::unique_ptr<CodeSource> from_table = make_codes_table_source(table, kSizes, true);
  CHECK(covers_factor_grid(table, kSizes));
  // Same sampling code, same stream: the same draws and therefore identical scores.
  PhiloxRng a(5), b(5);
  FactorVaeResult x = factor_vae_score(from_dataset, kSmallFactorVae, a),
                  y = factor_vae_score(*from_table, kSmallFactorVae, b);
  CHECK(x.eval_accuracy == y.eval_accuracy);
  CHECK(x.train_accuracy == y.train_accuracy);
  BetaVaeResult p = beta_vae_score(from_dataset, kSmallBetaVae, a),
                q = beta_vae_score(*from_table, kSmallBetaVae, b);
  CHECK(p.eval_accuracy == q.eval_accuracy);
}

TEST_CASE("partial codes tables: sampled per factor value, and a clear error when too sparse") {
  SegmentsDataset dataset(kSizes);
  const LabelledCodes grid = encode_grid(dataset, identity_representation(dataset));
  // Drop grid point 0: no longer a full grid, but every factor value keeps many rows.
  std::vector<size_t> rows;
  for (size_t r = 1; r < grid.num_points; ++r) rows.push_back(r);
  const LabelledCodes partial = select_rows(grid, rows);
  CHECK_FALSE(covers_factor_grid(partial, kSizes));
  const std::unique_ptr<CodeSource> sampled = make_codes_table_source(partial, kSizes, true);
  PhiloxRng rng(3);
  CHECK(factor_vae_score(*sampled, kSmallFactorVae, rng).eval_accuracy == 1.0);
  CHECK(beta_vae_score(*sampled, kSmallBetaVae, rng).eval_accuracy == 1.0);

  // Rows 0 and 1 only: factor 2 value 0 and value 1 each occur once — too sparse.
  const LabelledCodes two_rows = select_rows(grid, {0, 1});
  CHECK_THROWS_WITH_AS(make_codes_table_source(two_rows, kSizes, true), doctest::Contains("too sparse"),
                       Error);
  // Without factor-conditioned metrics the same table is fine.
  CHECK(make_codes_table_source(two_rows, kSizes, false)->num_codes() == 3);
  // An index outside the declared size is an error naming the factor.
  CHECK_THROWS_WITH_AS(make_codes_table_source(grid, {4, 3, 4}, false), doctest::Contains("factor 2"), Error);
}

TEST_CASE("evaluate_metrics computes every metric from a dataset and a representation") {
  SegmentsDataset dataset(kSizes);
  DatasetCodeSource identity(dataset, identity_representation(dataset), 3, 16);
  EvaluationRequest request;
  request.metrics = metric_names();
  //                       mig  dci       sap       modularity unsup factorvae          betavae
  request.sizes = MetricSizes{600, 400, 200, 400, 200, 400, 200, 400, 32, 200, 100, 400, 16, 200, 100};
  request.seed = 4;
  const MetricScores scores = evaluate_metrics(identity, request);
  auto score = [&](const std::string& name) {
    for (const auto& [key, value] : scores)
      if (key == name) return value;
    FAIL("missing score ", name);
    return 0.0;
  };
  // Identity codes over small grids: each latent's bins hold exactly one factor value.
  CHECK(score("mig") > 0.95);
  CHECK(score("dci.disentanglement") > 0.95);
  CHECK(score("dci.completeness") > 0.95);
  CHECK(score("dci.informativeness_test") == doctest::Approx(1.0));
  CHECK(score("factorvae.eval_accuracy") == 1.0);
  CHECK(score("betavae.eval_accuracy") == 1.0);
  CHECK(score("modularity") > 0.95);
  CHECK(score("explicitness_test") > 0.99);
  CHECK(score("sap_continuous") > 0.9);
  // Determinism: the same seed gives the same numbers.
  const MetricScores again = evaluate_metrics(identity, request);
  for (size_t i = 0; i < scores.size(); ++i) CHECK(scores[i].second == again[i].second);
  request.metrics = {"mig", "bogus"};
  CHECK_THROWS_WITH_AS(evaluate_metrics(identity, request), doctest::Contains("unknown metric 'bogus'"),
                       Error);
}

TEST_CASE("split_rows: disjoint train and test rows, every row once, the same for the same seed") {
  LabelledCodes table = with_codes(random_factors(30, {4, 5}, 3), 1, [](const int64_t*, size_t, size_t row) {
    return double(row);  // the code names its row
  });
  const RowSplit split = split_rows(table, kTestFraction, 9);
  CHECK(split.test.num_points == 10);
  CHECK(split.train.num_points == 20);
  std::vector<double> seen = split.train.codes;
  seen.insert(seen.end(), split.test.codes.begin(), split.test.codes.end());
  std::sort(seen.begin(), seen.end());
  for (size_t row = 0; row < 30; ++row) CHECK(seen[row] == double(row));  // disjoint and complete
  CHECK(split_rows(table, kTestFraction, 9).test.codes == split.test.codes);
  CHECK(split_rows(table, kTestFraction, 10).test.codes != split.test.codes);
  // The factors travel with their codes.
  for (size_t i = 0; i < split.test.num_points; ++i)
    CHECK(split.test.factor(i, 1) == table.factor(size_t(split.test.code(i, 0)), 1));
  // Two rows: one each; one row cannot be split.
  table.num_points = 2;
  table.codes.resize(2);
  table.factors.resize(4);
  CHECK(split_rows(table, kTestFraction, 0).test.num_points == 1);
  table.num_points = 1;
  CHECK_THROWS_WITH_AS(split_rows(table, kTestFraction, 0), doctest::Contains("cannot be split"), Error);
}

TEST_CASE("evaluate_metrics_on_pools takes at most the pools' rows, without replacement, and plans say so") {
  const LabelledCodes table = with_codes(random_factors(90, {3, 3}, 4), 2,
                                         [](const int64_t* f, size_t i, size_t) { return double(f[i]); });
  const RowSplit split = split_rows(table, kTestFraction, 1);
  EvaluationRequest request;
  request.metrics = {"mig", "dci"};
  request.sizes = kFastSizes;
  std::vector<std::string> announced;
  request.progress = [&](const std::string& metric, size_t) { announced.push_back(metric); };
  const MetricScores scores = evaluate_metrics_on_pools(table, split.train, split.test, nullptr, request);
  CHECK(announced == std::vector<std::string>{"mig", "dci", ""});
  for (const auto& [key, value] : scores)
    if (key == "dci.informativeness_test") CHECK(value == doctest::Approx(1.0));  // codes are the factors
  const std::vector<MetricPlan> plan = plan_metrics_on_pools(request, 90, 60, 30);
  REQUIRE(plan.size() == 2);
  CHECK(plan[0].train == 90);
  CHECK(plan[1].train == 60);
  CHECK(plan[1].test == 30);
  CHECK(describe_plan(plan) == "mig 90; dci 60 train + 30 test");
  CHECK(describe_plan(plan_metrics(request)) == "mig 2000; dci 1000 train + 500 test");
  CHECK(sizes_name(kFastSizes) == "fast");
}
