// A run's settings are checked in one place (validate_run_config, apps/common/run_config.h): a value out
// of range on the command line or in a run's config.json is an error naming the option or key — never
// wrapped, clamped or replaced by a default (issue 19). Also `train --help`, --config and --dry-run
// (issue 18 point 6).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "apps/common/args.h"
#include "apps/common/json.h"
#include "apps/common/run_config.h"
#include "apps/common/train_help.h"
#include "cli_helpers.h"
#include "core/check.h"
#include "nn/checkpoint.h"

using namespace untangle;
using untangle::testing::file_text;
using untangle::testing::log_without_seconds;
using untangle::testing::run_program;

namespace {

std::string fresh(const std::string& name) {
  const std::string path = "/tmp/untangle_test_checks_" + name;
  std::filesystem::remove_all(path);
  return path;
}

const std::string kSmallRun =
    "untangle train --model beta_vae --dataset xysquares --steps 6 --batch 4 --latents 4 "
    "--log-every 2 --checkpoint-every 3 --final-metrics mig --final-sizes fast";

}  // namespace

TEST_CASE("integer and number options: overflow, wrap-around, nan and empty values are refused") {
  CHECK(parse_integer_text("42", "x") == 42);
  CHECK_THROWS_WITH_AS(parse_integer_text("99999999999999999999", "option --steps"),
                       doctest::Contains("option --steps: '99999999999999999999' is out of range"), Error);
  CHECK_THROWS_WITH_AS(parse_integer_text("12abc", "option --steps"), doctest::Contains("is not an integer"),
                       Error);
  CHECK_THROWS_WITH_AS(parse_number_text("nan", "option --noise"), doctest::Contains("not a finite number"),
                       Error);
  CHECK_THROWS_WITH_AS(parse_number_text("1e999", "option --noise"), doctest::Contains("not a finite number"),
                       Error);
  std::vector<std::string> words = {"untangle", "train", "--batch", "4294967297", "--out", ""};
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  Args args(int(argv.size()), argv.data(), 2);
  CHECK_THROWS_WITH_AS(args.small_integer("batch", 1),
                       doctest::Contains("option --batch: 4294967297 is out of range"), Error);
  CHECK_THROWS_WITH_AS(args.required_text("out"), doctest::Contains("option --out is empty"), Error);
}

TEST_CASE("untangle train refuses out-of-range options by name before anything is written") {
  const std::string dir = fresh("never");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--batch 4294967297", "option --batch: 4294967297 is out of range"},
      {"--spacing 4294967304", "option --spacing: 4294967304 is out of range"},
      {"--spacing 9", "option --spacing must be in [1, 8], got 9"},
      {"--noise nan", "option --noise: 'nan' is not a finite number"},
      {"--noise -1", "option --noise must be in [0, 1], got -1"},
      {"--lr -1", "option --lr (--learning-rate) must be positive, got -1"},
      {"--lr 1e-3 --learning-rate 1e-4", "--lr and --learning-rate set the same value; give one of them"},
      {"--beta -1", "option --beta must be at least 0, got -1"},
      {"--steps 0", "option --steps must be at least 1, got 0"},
      {"--log-every 0", "option --log-every must be at least 1, got 0"},
      {"--checkpoint-every 0", "option --checkpoint-every must be at least 1, got 0"},
      {"--final-metrics mig,bogus", "option --final-metrics must be one of mig, dci"},
      {"--final-sizes quick", "option --final-sizes must be one of reference, fast, got 'quick'"},
      {"--latents 4294967297",
       "option --latents: model setting 'latents': '4294967297' is not a whole number"},
      {"--adam-beta1 1", "option --adam-beta1 must be in [0, 1), got 1"},
      {"--seed -3", "option --seed must not be negative, got -3"},
      {"--device gpu", "option --device must be one of auto, cpu, cuda, got 'gpu'"},
  };
  for (const auto& [flags, message] : cases) {
    CAPTURE(flags);
    const auto result =
        run_program("untangle train --model beta_vae --dataset xysquares --out " + dir + " " + flags);
    CHECK(result.exit_code == 1);
    CHECK_MESSAGE(result.output.find(message) != std::string::npos, result.output);
  }
  const auto empty_out = run_program("untangle train --model beta_vae --dataset xysquares --out ''");
  CHECK(empty_out.exit_code == 1);
  CHECK(empty_out.output.find("option --out is empty") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("a damaged config.json stops resume, encode and eval with the file and key named") {
  const std::string good = fresh("good");
  const auto trained = run_program(kSmallRun + " --out " + good);
  REQUIRE_MESSAGE(trained.exit_code == 0, trained.output);
  const std::string config = file_text(good + "/config.json");
  struct Damage {
    std::string from, to, message;
  };
  const std::vector<Damage> damages = {
      {"  \"dataset\": \"xysquares\",\n", "", "config.json: no 'dataset' key"},
      {"\"log_every\": 2", "\"log_every\": 0", "config.json: 'log_every' must be at least 1, got 0"},
      {"\"checkpoint_every\": 3", "\"checkpoint_every\": 0",
       "config.json: 'checkpoint_every' must be at least 1"},
      {"\"final_metric_sizes\": \"fast\"", "\"final_metric_sizes\": \"quick\"",
       "config.json: 'final_metric_sizes' must be one of reference, fast"},
      {"\"noise\": 0", "\"noise\": nan", "config.json: 'noise': 'nan' is not a finite number"},
      {"\"batch\": 4", "\"batch\": 4294967297", "config.json: 'batch' = 4294967297 is out of range"},
      {"\"dataset\": \"xysquares\"", "\"dataset\": \"dsprites\"",
       "config.json: the model takes 3x64x64 images but dataset 'dsprites' has 1x64x64"},
  };
  for (const Damage& damage : damages) {
    CAPTURE(damage.message);
    const std::string dir = fresh("damaged");
    std::filesystem::copy(good, dir);
    const size_t at = config.find(damage.from);
    REQUIRE(at != std::string::npos);
    std::ofstream(dir + "/config.json") << std::string(config).replace(at, damage.from.size(), damage.to);
    for (const std::string& command :
         {"untangle train --resume --steps 8 --out " + dir,
          "untangle encode --run " + dir + " --out " + dir + "/codes.npy --count 8",
          "untangle eval --run " + dir + " --metrics mig --sizes fast"}) {
      CAPTURE(command);
      const auto result = run_program(command);
      CHECK(result.exit_code == 1);
      CHECK_MESSAGE(result.output.find(dir + "/" + damage.message) != std::string::npos, result.output);
    }
  }
}

TEST_CASE("untangle train --config reproduces a run; --dry-run prints the config and the time per step") {
  const std::string first = fresh("first"), again = fresh("again");
  const auto trained = run_program(kSmallRun + " --seed 7 --beta 2 --eval-every 3 --out " + first);
  REQUIRE_MESSAGE(trained.exit_code == 0, trained.output);
  // The final evaluation says its sizes and an estimate first, then reports each metric (issue 18.2);
  // every file holding scores says which sizes made them.
  CHECK(trained.output.find("final metrics: 1 metric(s) at fast sizes: mig 2000") != std::string::npos);
  CHECK(trained.output.find("final metrics: [1/1] mig  elapsed") != std::string::npos);
  const auto metrics = parse_flat_json(file_text(first + "/metrics.json"), "metrics.json");
  CHECK(metrics.at("metric_sizes") == "fast");
  CHECK(metrics.at("metric_points") == "mig 2000");
  CHECK(metrics.at("max_during_training_sizes") == "fast");
  CHECK(metrics.count("max_during_training.mig") == 1);
  CHECK(file_text(first + "/metrics_log.csv").rfind("step,mig@fast,dci.disentanglement@fast,", 0) == 0);
  const auto reproduced = run_program("untangle train --config " + first + "/config.json --out " + again);
  REQUIRE_MESSAGE(reproduced.exit_code == 0, reproduced.output);
  CHECK(file_text(again + "/config.json") == file_text(first + "/config.json"));
  CHECK(log_without_seconds(again + "/train_log.csv") == log_without_seconds(first + "/train_log.csv"));
  CHECK(file_text(again + "/metrics.json") == file_text(first + "/metrics.json"));
  const Checkpoint a = load_checkpoint(first + "/checkpoint.utg"),
                   b = load_checkpoint(again + "/checkpoint.utg");
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [name, tensor] : a.tensors) {
    CAPTURE(name);
    CHECK(tensor.to_vector() == b.tensors.at(name).to_vector());  // bit-identical weights and moments
  }
  // A later option overrides the file; the model and dataset are the file's.
  const auto refused = run_program("untangle train --config " + first +
                                   "/config.json --model factor_vae --out " + fresh("other"));
  CHECK(refused.exit_code == 1);
  CHECK(refused.output.find("--model cannot change a run given by --config") != std::string::npos);

  const std::string never = fresh("dry");
  // stdout holds the config.json alone (so it can be saved and given to --config); stderr the timing.
  const std::string stderr_path = never + ".stderr";
  const auto dry =
      testing::run_shell("{ " + std::string(UNTANGLE_BIN_DIR) + "/untangle train --config " + first +
                         "/config.json --steps 1000 --dry-run --out " + never + " 2>" + stderr_path + "; }");
  REQUIRE_MESSAGE(dry.exit_code == 0, dry.output);
  const auto fields = parse_flat_json(dry.output, "dry run");
  CHECK(fields.at("steps") == "1000");
  CHECK(fields.at("beta") == "2");
  CHECK(file_text(stderr_path).find("s per step here; 1000 steps would take about") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(never));
}

TEST_CASE("untangle train --help gives every setting's default and meaning") {
  const auto help = run_program("untangle train --help --model factor_vae --dataset xysquares");
  REQUIRE(help.exit_code == 0);
  CHECK(help.output.find("--steps N            300000") != std::string::npos);
  CHECK(help.output.find("defaults for factor_vae on xysquares") != std::string::npos);
  CHECK(help.output.find("--discriminator-width          1000") != std::string::npos);
  for (const std::string& flag : model_setting_flags()) {
    CAPTURE(flag);
    std::string name = flag;
    for (char& ch : name)
      if (ch == '-') ch = '_';
    CHECK_FALSE(model_setting_meaning(name).empty());
    CHECK(help.output.find("  --" + flag + " ") != std::string::npos);
  }
}
