// `untangle metrics` end to end: the JSON it prints equals the library's numbers on the given rows, and
// bad input stops with a message naming the file or option (docs/design.md "Errors").
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "metrics/codes_table.h"
#include "metrics/evaluate.h"
#include "metrics_fixtures.h"

using namespace untangle;
using namespace untangle::test;

namespace {

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

CommandResult run_untangle(const std::string& arguments) {
  const std::string command = std::string(UNTANGLE_BIN_DIR) + "/untangle " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  size_t got;
  while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, got);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// The number after "key": in a one-line JSON object.
double json_number(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\": ");
  REQUIRE_MESSAGE(at != std::string::npos, "no key ", key, " in ", json);
  return std::strtod(json.c_str() + at + key.size() + 4, nullptr);
}

std::string scratch_dir() {
  const std::string dir = "/tmp/untangle_test_cli_metrics_" + std::to_string(getpid());
  std::system(("mkdir -p " + dir).c_str());
  return dir;
}

}  // namespace

TEST_CASE("untangle metrics on given train/test rows prints the library's numbers") {
  const std::string f = fixture_path("");
  const CommandResult result =
      run_untangle("metrics --codes " + f + "codes_mixed_train.npy --factors " + f +
                   "factors_train.npy --test-codes " + f + "codes_mixed_test.npy --test-factors " + f +
                   "factors_test.npy --metrics mig,dci,sap --seed 3 --factor-sizes 3,5,8");
  REQUIRE_MESSAGE(result.exit_code == 0, result.output);
  EvaluationRequest request;
  request.metrics = {"mig", "dci", "sap"};
  request.seed = 3;
  const MetricScores expected = evaluate_metrics_on_rows(load_fixture("mixed", "train"),
                                                         load_fixture("mixed", "test"), nullptr, request);
  for (const auto& [key, value] : expected) {
    CAPTURE(key);
    CHECK(json_number(result.output, key) == doctest::Approx(value).epsilon(1e-9));  // printed with 10 digits
  }
  CHECK(json_number(result.output, "train_rows") == 1000);
  CHECK(json_number(result.output, "test_rows") == 500);
  CHECK(result.output.find("\"sampling\": \"given rows\"") != std::string::npos);
  // One JSON object on one line (stdout); progress lines (stderr) start with "metrics:".
  size_t json_lines = 0;
  for (size_t at = 0; at < result.output.size(); at = result.output.find('\n', at) + 1) {
    json_lines += result.output[at] == '{';
    if (result.output.find('\n', at) == std::string::npos) break;
  }
  CHECK(json_lines == 1);
  CHECK(result.output.find("metrics: [1/3] mig") != std::string::npos);
}

TEST_CASE("untangle metrics samples from the table with --seed when no test set is given") {
  const std::string f = fixture_path("");
  const std::string arguments =
      "metrics --codes " + f + "codes_disentangled_train.npy --factors " + f +
      "factors_train.npy --metrics mig,factorvae,betavae --sizes fast --factor-sizes 3,5,8 --seed ";
  const CommandResult a = run_untangle(arguments + "1"), b = run_untangle(arguments + "1");
  REQUIRE_MESSAGE(a.exit_code == 0, a.output);
  CHECK(a.output == b.output);
  // The fixture's 1000 rows cover the 120-point grid: an exact lookup, disentangled codes score high.
  CHECK(a.output.find("sampled from the full factor grid") != std::string::npos);
  CHECK(json_number(a.output, "factorvae.eval_accuracy") > 0.95);
  CHECK(json_number(a.output, "betavae.eval_accuracy") > 0.95);
}

TEST_CASE("untangle metrics rejects bad input with a message naming the file or option") {
  const std::string f = fixture_path(""), dir = scratch_dir();
  write_npy(dir + "/short_factors.npy", make_npy(std::vector<int64_t>(10 * 3, 0), {10, 3}));
  write_npy(dir + "/float_factors.npy", make_npy(std::vector<float>(1000 * 3, 0.0f), {1000, 3}));
  const std::string codes = " --codes " + f + "codes_mixed_train.npy";

  CommandResult r = run_untangle("metrics" + codes + " --factors " + dir + "/short_factors.npy");
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("has 1000 rows but --factors") != std::string::npos);

  r = run_untangle("metrics" + codes + " --factors " + dir + "/float_factors.npy");
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("factors must be integer indices") != std::string::npos);

  r = run_untangle("metrics" + codes + " --factors " + dir + "/missing.npy");
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("missing.npy") != std::string::npos);

  r = run_untangle("metrics" + codes + " --factors " + f + "factors_train.npy --test-codes " + f +
                   "codes_mixed_test.npy");
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("--test-codes and --test-factors go together") != std::string::npos);

  r = run_untangle("metrics" + codes + " --factors " + f +
                   "factors_train.npy --factor-sizes 3,5,7 --metrics mig");
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("outside its size 7") != std::string::npos);

  std::vector<float> codes_with_nan(1000 * 5, 0.5f);
  codes_with_nan[7 * 5 + 2] = std::nanf("");
  write_npy(dir + "/nan_codes.npy", make_npy(codes_with_nan, {1000, 5}));
  r = run_untangle("metrics --codes " + dir + "/nan_codes.npy --factors " + f +
                   "factors_train.npy --metrics mig");
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("code 2 in row 7 is nan") != std::string::npos);

  r = run_untangle("metrics --help");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("usage: untangle metrics") != std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}

namespace {

// Rows whose codes are their factor indices plus uniform noise of +-`noise`: partly informative codes.
LabelledCodes noisy_codes(size_t rows, const std::vector<size_t>& sizes, double noise, uint64_t seed) {
  PhiloxRng rng = PhiloxRng(seed).split(1);
  return with_codes(random_factors(rows, sizes, seed), sizes.size(), [&](const int64_t* f, size_t i, size_t) {
    return double(f[i]) + noise * (2.0 * double(rng.next_uniform()) - 1.0);
  });
}

void write_table(const LabelledCodes& table, const std::string& stem) {
  write_npy(stem + ".npy", make_npy(table.codes, {table.num_points, table.num_codes}));
  write_npy(stem + "_factors.npy", make_npy(table.factors, {table.num_points, table.num_factors}));
}

}  // namespace

TEST_CASE("untangle metrics splits a sampled table into disjoint train and test rows: no leak into DCI") {
  const std::string dir = scratch_dir();
  const std::vector<size_t> sizes = {20, 20};
  // The leaking case of issue 18: a table that is a sample of the grid, given without a test set.
  const LabelledCodes table = noisy_codes(600, sizes, 6.0, 11),
                      separate_test = noisy_codes(300, sizes, 6.0, 12);
  REQUIRE_FALSE(covers_factor_grid(table, sizes));
  write_table(table, dir + "/table");
  write_table(separate_test, dir + "/test");
  const std::string common = " --metrics dci --sizes fast --factor-sizes 20,20 --seed 5";
  const CommandResult alone =
      run_untangle("metrics --codes " + dir + "/table.npy --factors " + dir + "/table_factors.npy" + common);
  const CommandResult with_test = run_untangle(
      "metrics --codes " + dir + "/table.npy --factors " + dir + "/table_factors.npy --test-codes " + dir +
      "/test.npy --test-factors " + dir + "/test_factors.npy" + common);
  REQUIRE_MESSAGE(alone.exit_code == 0, alone.output);
  REQUIRE_MESSAGE(with_test.exit_code == 0, with_test.output);
  CHECK(alone.output.find("\"sampling\": \"disjoint train/test rows of the table\"") != std::string::npos);
  CHECK(json_number(alone.output, "train_rows") == 400);
  CHECK(json_number(alone.output, "test_rows") == 200);
  // The table holds fewer rows than the fast sizes ask for: said on stderr, and in the JSON.
  CHECK(alone.output.find(
            "warning: dci at fast sizes asks for 1000 train + 500 test points, but the table gives "
            "400 + 200") != std::string::npos);
  CHECK(alone.output.find("\"metric_points\": \"dci 400 train + 200 test\"") != std::string::npos);

  // Split rows score like a separately drawn test set (within sampling noise: 200-300 test rows)...
  const double split_score = json_number(alone.output, "dci.informativeness_test");
  const double separate_score = json_number(with_test.output, "dci.informativeness_test");
  CHECK(std::fabs(split_score - separate_score) < 0.08);
  // ...while drawing train and test from the same rows (the old behaviour) scores memorisation.
  EvaluationRequest request;
  request.metrics = {"dci"};
  request.sizes = kFastSizes;
  request.seed = 5;
  const auto leaking_source = make_codes_table_source(table, sizes, false);
  double leaking_score = 0;
  for (const auto& [key, value] : evaluate_metrics(*leaking_source, request))
    if (key == "dci.informativeness_test") leaking_score = value;
  CHECK(leaking_score > separate_score + 0.15);
  MESSAGE("informativeness_test: split ", split_score, ", separate test set ", separate_score, ", leaking ",
          leaking_score);

  // A tiny table no longer reads 1.0 (issue 18: 40 rows did).
  const LabelledCodes tiny = noisy_codes(40, sizes, 6.0, 13);
  write_table(tiny, dir + "/tiny");
  const CommandResult small =
      run_untangle("metrics --codes " + dir + "/tiny.npy --factors " + dir + "/tiny_factors.npy" + common);
  REQUIRE_MESSAGE(small.exit_code == 0, small.output);
  CHECK(json_number(small.output, "dci.informativeness_test") < 0.5);
  std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("untangle metrics never guesses factor sizes: --factor-sizes, --dataset or encode's sidecar") {
  const std::string dir = scratch_dir();
  write_table(noisy_codes(200, {3, 5}, 0.1, 21), dir + "/t");
  const std::string table =
      "metrics --metrics mig --codes " + dir + "/t.npy --factors " + dir + "/t_factors.npy";
  CommandResult r = run_untangle(table);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("the factor sizes of " + dir + "/t.npy are not known") != std::string::npos);
  CHECK(r.output.find(dir + "/t_info.json") != std::string::npos);

  r = run_untangle(table + " --dataset xysquares");  // 6 factors, the table has 2 columns
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("the factor sizes list 6 factors but the factors table has 2 columns") !=
        std::string::npos);

  std::ofstream(dir + "/t_info.json")
      << "{\"dataset\": \"made up\", \"factor_names\": \"a,b\", \"factor_sizes\": \"3,5\"}\n";
  r = run_untangle(table);
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("factor sizes 3,5 from " + dir + "/t_info.json (dataset made up)") !=
        std::string::npos);
  CHECK(r.output.find("\"factor_sizes\": [3, 5]") != std::string::npos);

  r = run_untangle(table + " --factor-sizes 3,5 --dataset xysquares");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("give --factor-sizes or --dataset, not both") != std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}
