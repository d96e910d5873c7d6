// `untangle metrics` end to end: the JSON it prints equals the library's numbers on the given rows, and
// bad input stops with a message naming the file or option (docs/design.md "Errors").
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

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
  const CommandResult result = run_untangle("metrics --codes " + f + "codes_mixed_train.npy --factors " + f +
                                            "factors_train.npy --test-codes " + f + "codes_mixed_test.npy --test-factors " +
                                            f + "factors_test.npy --metrics mig,dci,sap --seed 3");
  REQUIRE_MESSAGE(result.exit_code == 0, result.output);
  EvaluationRequest request;
  request.metrics = {"mig", "dci", "sap"};
  request.seed = 3;
  const MetricScores expected =
      evaluate_metrics_on_rows(load_fixture("mixed", "train"), load_fixture("mixed", "test"), nullptr, request);
  for (const auto& [key, value] : expected) {
    CAPTURE(key);
    CHECK(json_number(result.output, key) == doctest::Approx(value).epsilon(1e-9));  // printed with 10 digits
  }
  CHECK(json_number(result.output, "train_rows") == 1000);
  CHECK(json_number(result.output, "test_rows") == 500);
  CHECK(result.output.find("\"sampling\": \"given rows\"") != std::string::npos);
  CHECK(std::count(result.output.begin(), result.output.end(), '\n') == 1);  // one JSON object, one line
}

TEST_CASE("untangle metrics samples from the table with --seed when no test set is given") {
  const std::string f = fixture_path("");
  const std::string arguments = "metrics --codes " + f + "codes_disentangled_train.npy --factors " + f +
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

  r = run_untangle("metrics" + codes + " --factors " + f + "factors_train.npy --test-codes " + f + "codes_mixed_test.npy");
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("--test-codes and --test-factors go together") != std::string::npos);

  r = run_untangle("metrics" + codes + " --factors " + f + "factors_train.npy --factor-sizes 3,5,7 --metrics mig");
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("outside its size 7") != std::string::npos);

  std::vector<float> codes_with_nan(1000 * 5, 0.5f);
  codes_with_nan[7 * 5 + 2] = std::nanf("");
  write_npy(dir + "/nan_codes.npy", make_npy(codes_with_nan, {1000, 5}));
  r = run_untangle("metrics --codes " + dir + "/nan_codes.npy --factors " + f + "factors_train.npy --metrics mig");
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("code 2 in row 7 is nan") != std::string::npos);

  r = run_untangle("metrics --help");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("usage: untangle metrics") != std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}
