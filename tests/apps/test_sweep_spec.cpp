// Sweep specs (apps/common/sweep_spec.h) and the JSON reader under them (apps/common/json_value.h):
// the run order, stable names as seeds and values are added, collisions and bad fields refused with
// errors that name them, truncated files refused without overrunning, and the apps' run lists surviving
// the trip through a spec unchanged.
#include <doctest/doctest.h>

#include <set>

#include "apps/common/json_value.h"
#include "apps/common/run_config.h"
#include "apps/common/sweep_spec.h"
#include "core/check.h"

using namespace untangle;

namespace {

const std::string kBase =
    R"("base": {"dataset": "xysquares", "architecture": "linear", "latents": 4, "batch": 8, "steps": 20})";

SweepSpec spec_of(const std::string& rest) {
  return parse_sweep_spec("{\"name\": \"t\", \"results\": \"runs\", " + kBase + rest + "}", "t.json",
                          "/data/sweeps");
}

std::vector<std::string> ids_of(const std::vector<SpecRun>& runs) {
  std::vector<std::string> ids;
  for (const SpecRun& run : runs) ids.push_back(run.id);
  return ids;
}

std::string error_of(const std::string& rest) {
  try {
    expand_sweep(spec_of(rest), "t.json");
  } catch (const Error& error) {
    return error.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE(
    "a spec expands in a fixed order: the product's first key slowest, then explicit runs, each per seed") {
  const SweepSpec spec = spec_of(
      R"(, "product": {"model": ["beta_vae", "beta_tcvae"], "beta": [1, 4]}, "runs": [{"model": "ae"}],
                 "seeds": [0, 1])");
  CHECK(spec.results == "/data/sweeps/runs");  // relative to the spec's folder
  const std::vector<SpecRun> runs = expand_sweep(spec, "t.json");
  REQUIRE(runs.size() == 10);
  CHECK(runs[0].id == "model=beta_vae,beta=1,seed=0");
  CHECK(runs[0].directory == "beta_vae_beta1_seed0");
  CHECK(runs[1].id == "model=beta_vae,beta=1,seed=1");
  CHECK(runs[2].id == "model=beta_vae,beta=4,seed=0");
  CHECK(runs[4].directory == "beta_tcvae_beta1_seed0");
  CHECK(runs[8].id == "model=ae,seed=0");  // the explicit run has no beta: none in its name
  CHECK(runs[9].directory == "ae_seed1");
  // Base settings reach every run but no name; the run's own values override them.
  const std::vector<std::string> flags = runs[2].flags();
  const std::vector<std::string> expected = {
      "--dataset", "xysquares", "--architecture", "linear",   "--latents", "4", "--batch", "8",
      "--steps",   "20",        "--model",        "beta_vae", "--beta",    "4", "--seed",  "0"};
  CHECK(flags == expected);
  CHECK(ids_of(expand_sweep(spec, "t.json")) == ids_of(runs));  // deterministic
}

TEST_CASE("adding a seed or a value adds runs and renames none") {
  const auto before =
      expand_sweep(spec_of(R"(, "product": {"model": ["beta_vae"], "beta": [1]}, "seeds": [0])"), "t");
  const auto after =
      expand_sweep(spec_of(R"(, "product": {"model": ["beta_vae"], "beta": [1, 2]}, "seeds": [0, 7])"), "t");
  CHECK(before.size() == 1);
  CHECK(after.size() == 4);
  std::set<std::string> after_directories;
  for (const SpecRun& run : after) after_directories.insert(run.directory);
  for (const SpecRun& run : before) CHECK(after_directories.count(run.directory) == 1);
  CHECK(before[0].directory == "beta_vae_beta1_seed0");
  // A spec that varies nothing has one run named "base".
  CHECK(ids_of(expand_sweep(spec_of(""), "t")) == std::vector<std::string>{"base"});
}

TEST_CASE("collisions are refused") {
  CHECK(error_of(R"(, "runs": [{"model": "ae"}, {"model": "ae"}])") ==
        "t.json: runs 1 and 2 have the same id 'model=ae' (the same varied settings)");
  // Two values that make the same directory name.
  CHECK(error_of(R"(, "product": {"data-file": ["/x/a.npz", "-x-a.npz"]})") ==
        "t.json: runs 'data-file=/x/a.npz' and 'data-file=-x-a.npz' would share the directory '-x-a.npz'");
  CHECK(error_of(R"(, "runs": [{"id": "one", "model": "ae"}, {"id": "one", "model": "beta_vae"}])") ==
        "t.json: runs 1 and 2 have the same id 'one' (the same varied settings)");
  CHECK(error_of(R"(, "product": {"model": ["ae"]}, "seeds": [0], "runs": [{"seed": 1}])") ==
        "t.json: \"seed\" is set both by \"seeds\" and by the product or the runs; give it in one place");
}

TEST_CASE(
    "unknown fields, values of the wrong kind and settings untangle train refuses are errors naming them") {
  CHECK(error_of(R"(, "prodcut": {})") ==
        "t.json: unknown field \"prodcut\" (a spec has name, results, base, product, runs, seeds)");
  CHECK(error_of(R"(, "seeds": [1.5])") == "t.json: \"seeds\": '1.5' is not an integer");
  CHECK(error_of(R"(, "seeds": [1, 1])") == "t.json: \"seeds\": seed 1 is listed twice");
  CHECK(error_of(R"(, "product": {"beta": []})") ==
        "t.json: \"product\".beta must be a non-empty list of values");
  CHECK(error_of(R"(, "product": {"beta": [true]})") ==
        "t.json: \"product\".beta: a setting's value must be a string or a number, got true/false");
  CHECK(error_of(R"(, "runs": [{"out": "x"}])") ==
        "t.json: \"runs\"[0]: 'out' cannot be set in a sweep (each run's directory comes from \"results\" "
        "and its id)");
  CHECK(error_of(R"(, "runs": [{"--model": "ae"}])").find("is not a setting name") != std::string::npos);
  // Settings are checked as `untangle train` checks its flags, and the error names the run.
  const std::string unknown = error_of(R"(, "product": {"bta": [4]})");
  CHECK(unknown.rfind("t.json: run 'bta=4': ", 0) == 0);
  CHECK(unknown.find("bta") != std::string::npos);
  CHECK(error_of(R"(, "product": {"steps": ["many"]})").rfind("t.json: run 'steps=many': ", 0) == 0);
  CHECK_THROWS_WITH_AS(parse_sweep_spec(R"({"results": "r"})", "t.json", "/"),
                       "t.json: the field \"name\" is missing", Error);
  CHECK_THROWS_WITH_AS(parse_sweep_spec(R"([])", "t.json", "/"),
                       "t.json: a sweep spec is a JSON object, got array", Error);
}

TEST_CASE("every truncation of a spec is refused as malformed, never read past its end") {
  const std::string text =
      "{\"name\": \"t\", \"results\": \"runs\", " + kBase +
      R"(, "product": {"model": ["beta_vae", "ae"]}, "seeds": [0, 1], "runs": [{"id": "x\u00e9"}]})";
  CHECK(parse_sweep_spec(text, "t.json", "/").runs.size() == 1);
  for (size_t length = 0; length < text.size(); ++length) {
    CAPTURE(length);
    CHECK_THROWS_AS(parse_sweep_spec(text.substr(0, length), "t.json", "/"), Error);
  }
}

TEST_CASE("the JSON reader keeps order, decodes escapes, and refuses duplicates and deep nesting") {
  const JsonValue value =
      parse_json(R"({"b": [1, -2.5e3, "x\n\u00e9\ud83d\ude00"], "a": {"c": null, "d": false}})", "j");
  REQUIRE(value.members.size() == 2);
  CHECK(value.members[0].first == "b");  // file order, not sorted
  CHECK(value.members[0].second.items[1].text == "-2.5e3");
  CHECK(value.members[0].second.items[2].text == "x\n\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(value.members[1].second.members[1].second.kind == JsonValue::Kind::Boolean);
  CHECK_THROWS_WITH_AS(parse_json(R"({"a": 1, "a": 2})", "j"),
                       "j: malformed JSON at byte 9: the key \"a\" appears twice in one object", Error);
  CHECK_THROWS_WITH_AS(parse_json(std::string(100, '[') + std::string(100, ']'), "j"),
                       "j: malformed JSON at byte 65: nested deeper than 64 levels", Error);
  CHECK_THROWS_AS(parse_json("{\"a\": 01}", "j"), Error);
  CHECK_THROWS_AS(parse_json("{\"a\": \"\\ud800\"}", "j"), Error);  // a lone surrogate
  CHECK_THROWS_AS(parse_json("{} x", "j"), Error);
  CHECK(is_json_number("0.5"));
  CHECK(is_json_number("1e-04"));
  CHECK_FALSE(is_json_number("+1"));
  CHECK_FALSE(is_json_number(".5"));
  CHECK_FALSE(is_json_number("1."));
}

TEST_CASE("an app's run list survives the trip through a written and re-read spec") {
  const std::vector<SweepRun> runs = {
      {"xysquares_beta_vae_seed0",
       {"--model", "beta_vae", "--dataset", "xysquares", "--latents", "4", "--seed", "0", "--beta", "4"}},
      {"xysquares_ae_seed1", {"--model", "ae", "--dataset", "xysquares", "--latents", "4", "--seed", "1"}},
      {"xysquares_beta_vae_x0.5_seed0",
       {"--model", "beta_vae", "--dataset", "xysquares", "--latents", "4", "--seed", "0", "--beta", "1e-04"}},
  };
  const SweepSpec spec = sweep_spec_from_runs("app", "/data/out/runs", runs);
  const std::vector<SweepSettings> expected_base = {{{"dataset", "xysquares"}, {"latents", "4"}}};
  CHECK(spec.base == expected_base[0]);
  const SweepSpec reread = parse_sweep_spec(sweep_spec_json(spec, "out/runs"), "app.json", "/data");
  CHECK(reread.results == "/data/out/runs");
  const std::vector<SpecRun> expanded = expand_sweep(reread, "app.json");
  REQUIRE(expanded.size() == runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    CAPTURE(i);
    CHECK(expanded[i].id == runs[i].name);
    CHECK(expanded[i].directory == runs[i].name);  // the apps' earlier run directories still resume
    CHECK(run_config_json(run_config_from_flags(expanded[i].flags())) ==
          run_config_json(run_config_from_flags(runs[i].flags)));
  }
  CHECK_THROWS_WITH_AS(sweep_spec_from_runs("app", "/r", {{"a", {"--model", "ae", "--resume"}}}),
                       "a: sweep flags must be --name value pairs, got '--resume'", Error);
}
