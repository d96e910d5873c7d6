// The `untangle` program's front door: --version names the backends, --help lists the commands,
// unknown commands and options fail with a message and a non-zero exit code.
#include <doctest/doctest.h>

#include "cli_helpers.h"

using untangle::testing::run_program;

TEST_CASE("untangle --version prints the version, build type and backends") {
  auto result = run_program("untangle --version");
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("untangle 0.") == 0);
  CHECK(result.output.find("backends: cpu") != std::string::npos);
}

TEST_CASE("untangle --help lists the commands; unknown commands fail") {
  auto help = run_program("untangle --help");
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("version") != std::string::npos);
  auto unknown = run_program("untangle frobnicate");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.output.find("unknown command 'frobnicate'") != std::string::npos);
}

TEST_CASE("bench_cpu and demo_autoencoder answer --help and reject unknown options") {
  for (const char* program : {"bench_cpu", "bench_models", "demo_autoencoder"}) {
    CAPTURE(program);
    auto help = run_program(std::string(program) + " --help");
    CHECK(help.exit_code == 0);
    CHECK(help.output.find("usage:") == 0);
    auto bad = run_program(std::string(program) + " --no-such-option 3");
    CHECK(bad.exit_code == 1);
    CHECK(bad.output.find("unknown option --no-such-option") != std::string::npos);
  }
}

TEST_CASE("demo_autoencoder trains: its loss falls well below the all-grey guess in a short run") {
  auto result = run_program("demo_autoencoder --steps 150 --batch 16");
  REQUIRE(result.exit_code == 0);
  // "reconstruction loss fell from A to B nats per image (an all-grey guess costs C)"
  float from = 0, to = 0;
  auto at = result.output.find("fell from");
  REQUIRE(at != std::string::npos);
  REQUIRE(std::sscanf(result.output.c_str() + at, "fell from %f to %f", &from, &to) == 2);
  CHECK(from > 600.0f);  // logits start near 0: about ln 2 per pixel, 1024 pixels = 710
  CHECK(to < 0.5f * from);
}
