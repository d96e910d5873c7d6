// The commands a user chains: train -> encode -> metrics, eval, and resume, through the real program.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli_helpers.h"

using untangle::testing::run_program;

TEST_CASE("untangle train, encode, metrics and eval work together") {
  const std::string dir = "/tmp/untangle_test_cli_run";
  std::system(("rm -rf " + dir).c_str());
  auto train = run_program(
      "untangle train --model beta_vae --dataset xysquares --steps 20 --batch 8 --latents 6 "
      "--log-every 10 --final-metrics '' --out " +
      dir);
  INFO(train.output);
  REQUIRE(train.exit_code == 0);
  CHECK(train.output.find("training beta_vae on xysquares") != std::string::npos);

  auto encode =
      run_program("untangle encode --run " + dir + " --out " + dir + "/codes.npy --count 400 --seed 1");
  INFO(encode.output);
  REQUIRE(encode.exit_code == 0);
  CHECK(encode.output.find("(400 x 6 float32)") != std::string::npos);
  CHECK(encode.output.find("encode step 2/2") != std::string::npos);  // progress, one line per 256 rows
  std::ifstream info(dir + "/codes_info.json");
  const std::string info_text((std::istreambuf_iterator<char>(info)), std::istreambuf_iterator<char>());
  CHECK(info_text.find("\"dataset\": \"xysquares\"") != std::string::npos);
  CHECK(info_text.find("\"factor_sizes\": \"8,8,8,8,8,8\"") != std::string::npos);
  CHECK(info_text.find("\"count\": 400") != std::string::npos);

  // The factor sizes come from encode's sidecar.
  auto metrics = run_program("untangle metrics --codes " + dir + "/codes.npy --factors " + dir +
                             "/codes_factors.npy --metrics mig");
  INFO(metrics.output);
  REQUIRE(metrics.exit_code == 0);
  CHECK(metrics.output.find("\"mig\":") != std::string::npos);
  CHECK(metrics.output.find("factor sizes 8,8,8,8,8,8 from " + dir + "/codes_info.json") !=
        std::string::npos);

  auto eval = run_program("untangle eval --run " + dir + " --metrics mig --sizes fast");
  INFO(eval.output);
  REQUIRE(eval.exit_code == 0);
  CHECK(eval.output.find("\"step\":20") != std::string::npos);
  CHECK(eval.output.find("\"metric_points\":\"mig 2000\"") != std::string::npos);
  // Progress on stderr: the plan and its estimate before, then each metric with an ETA.
  CHECK(eval.output.find("eval: 1 metric(s) at fast sizes: mig 2000") != std::string::npos);
  CHECK(eval.output.find("observations to encode at") != std::string::npos);
  CHECK(eval.output.find("eval: [1/1] mig  elapsed") != std::string::npos);
  // A second evaluation with other options gets its own file: the first's results stay.
  const std::string first = dir + "/eval_fast_seed0_step20_mig.json";
  REQUIRE(std::ifstream(first).good());
  std::ifstream first_in(first);
  const std::string first_text((std::istreambuf_iterator<char>(first_in)), std::istreambuf_iterator<char>());
  auto second = run_program("untangle eval --run " + dir + " --metrics mig --sizes fast --seed 4");
  REQUIRE(second.exit_code == 0);
  CHECK(std::ifstream(dir + "/eval_fast_seed4_step20_mig.json").good());
  std::ifstream again(first);
  CHECK(std::string((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>()) == first_text);

  auto resume = run_program("untangle train --resume --steps 30 --out " + dir);
  INFO(resume.output);
  CHECK(resume.exit_code == 0);
  CHECK(resume.output.find("resuming") != std::string::npos);
  auto refused = run_program("untangle train --model beta_vae --dataset xysquares --steps 5 --out " + dir);
  CHECK(refused.exit_code == 1);
  CHECK(refused.output.find("already holds a run") != std::string::npos);
}

TEST_CASE("SIGINT or SIGTERM stops untangle train with a checkpoint and the command that resumes it") {
  // doctest handles SIGINT and SIGTERM in this process, so the programs it starts get the default
  // dispositions even when the test itself was started ignoring SIGINT (as a background job is).
  const std::vector<const char*> signals = {"INT", "TERM"};
  for (const char* signal : signals) {
    CAPTURE(signal);
    const std::string dir = std::string("/tmp/untangle_test_cli_sig") + signal;
    std::system(("rm -rf " + dir).c_str());
    // Far more steps than the test waits for. The signal is sent once the run has logged a row, i.e. is
    // inside its training loop (a signal during start-up ends a process the default way). `set -m` keeps
    // the background job's SIGINT from being ignored.
    const std::string train =
        std::string(UNTANGLE_BIN_DIR) +
        "/untangle train --model beta_vae --dataset xysquares "
        "--steps 1000000 --batch 4 --latents 4 --log-every 5 --final-metrics '' --out " +
        dir;
    const std::string script = "set -m; " + train +
                               " & pid=$!; for i in $(seq 1200); do "
                               "[ \"$(wc -l < " +
                               dir +
                               "/train_log.csv 2>/dev/null || echo 0)\" -ge 2 ] && break; sleep 0.05; done; "
                               "kill -" +
                               signal + " $pid; wait $pid";
    std::ofstream(dir + ".sh") << script << "\n";
    auto stopped = untangle::testing::run_shell("bash " + dir + ".sh");
    INFO(stopped.output);
    CHECK(stopped.exit_code == (std::string(signal) == "INT" ? 130 : 143));
    CHECK(stopped.output.find(std::string("train: SIG") + signal + " at step ") != std::string::npos);
    CHECK(stopped.output.find("untangle train --resume --out " + dir) != std::string::npos);
    std::ifstream checkpoint(dir + "/checkpoint.utg");
    REQUIRE(checkpoint.good());
    CHECK_FALSE(std::ifstream(dir + "/metrics.json").good());  // not finished: no final outputs
    // The step it stopped at, from the message; the resumed run continues from there.
    const size_t at = stopped.output.find(" at step ") + 9;
    const long long step = std::stoll(stopped.output.substr(at));
    CHECK(step >= 1);
    auto resumed =
        run_program("untangle train --resume --steps " + std::to_string(step + 2) + " --out " + dir);
    INFO(resumed.output);
    CHECK(resumed.exit_code == 0);
    CHECK(resumed.output.find("resuming " + dir + " at step " + std::to_string(step) + " of") !=
          std::string::npos);
    CHECK(std::ifstream(dir + "/metrics.json").good());
  }
}

TEST_CASE("untangle train stops with exit status 3 on a non-finite loss; bad options fail clearly") {
  const std::string dir = "/tmp/untangle_test_cli_nan";
  std::system(("rm -rf " + dir).c_str());
  auto nan = run_program(
      "untangle train --model beta_vae --dataset xysquares --steps 50 --batch 8 --lr 1e12 "
      "--checkpoint-every 1 --final-metrics '' --out " +
      dir);
  INFO(nan.output);
  CHECK(nan.exit_code == 3);
  CHECK(nan.output.find("the loss is not finite at step") != std::string::npos);
  CHECK(nan.output.find("last good checkpoint is kept") != std::string::npos);

  auto unknown_model =
      run_program("untangle train --model nope --dataset xysquares --out /tmp/untangle_never");
  CHECK(unknown_model.exit_code == 1);
  CHECK(unknown_model.output.find("unknown model 'nope'") != std::string::npos);
  auto missing_run = run_program("untangle eval --run /tmp/untangle_no_such_run");
  CHECK(missing_run.exit_code == 1);
  CHECK(missing_run.output.find("/tmp/untangle_no_such_run/config.json: cannot open file") !=
        std::string::npos);
}
