// The sweep's result store and its commands: when a run counts as finished, the per-run lock, the
// states `untangle sweep status` reports, the Slurm array script, and `untangle sweep` end to end on a
// tiny spec (run-one's exit statuses, list, status, run, slurm).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "apps/common/sweep_slurm.h"
#include "apps/common/sweep_store.h"
#include "cli_helpers.h"
#include "core/check.h"

using namespace untangle;
using untangle::testing::file_text;
using untangle::testing::run_program;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("a run is finished only when metrics.json parses; the lock and the files say the rest") {
  const std::string directory = "/tmp/untangle_test_sweep_store/run";
  std::filesystem::remove_all("/tmp/untangle_test_sweep_store");
  std::filesystem::create_directories(directory);
  CHECK(run_state(directory) == RunState::Pending);
  write_text(directory + "/checkpoint.utg", "x");
  CHECK(run_state(directory) == RunState::Interrupted);
  write_text(directory + "/metrics.json", "{\"mig\": 0.1");  // cut short: not a result
  CHECK_FALSE(run_result_exists(directory));
  CHECK(run_state(directory) == RunState::Interrupted);
  {
    const RunLock lock(directory, 0);
    REQUIRE(lock.held());
    CHECK(run_state(directory) == RunState::Running);
    const RunLock second(directory, 0.1);  // another open file: flock refuses it even in this process
    CHECK_FALSE(second.held());
  }
  CHECK(run_state(directory) == RunState::Interrupted);  // released with the lock's file
  write_text(directory + "/" + kRunErrorFile, "cannot open file x.npz\nmore\n");
  CHECK(run_state(directory) == RunState::Failed);
  CHECK(run_failure_text(directory) == "cannot open file x.npz");
  write_text(directory + "/metrics.json", "{\"mig\": 0.1}\n");
  CHECK(run_result_exists(directory));
  CHECK(run_state(directory) == RunState::Finished);
  std::filesystem::remove_all("/tmp/untangle_test_sweep_store");
}

TEST_CASE("the Slurm script has one array task per run, quoted ids, and calls run-one") {
  SlurmOptions options;
  options.partition = "gpu";
  options.time = "12:00:00";
  options.gpus_per_task = 1;
  options.cpus_per_task = 4;
  options.max_parallel = 8;
  const std::string script =
      slurm_array_script("zietlow paper", {"model=ae,seed=0", "it's"}, options, "/opt/untangle",
                         "/s/spec.json", "/home/me", "/s/runs/slurm_logs");
  CHECK(script.rfind("#!/bin/bash\n", 0) == 0);
  CHECK(script.find("#SBATCH --job-name=untangle-zietlow_paper\n") != std::string::npos);
  CHECK(script.find("#SBATCH --array=0-1%8\n") != std::string::npos);
  CHECK(script.find("#SBATCH --output=/s/runs/slurm_logs/%A_%a.out\n") != std::string::npos);
  CHECK(script.find("#SBATCH --gpus-per-task=1\n#SBATCH --partition=gpu\n#SBATCH --time=12:00:00\n") !=
        std::string::npos);
  CHECK(script.find("RUNS=(\n  'model=ae,seed=0'\n  'it'\\''s'\n)\n") != std::string::npos);
  CHECK(script.find(
            "exec '/opt/untangle' sweep run-one '/s/spec.json' --run \"${RUNS[$SLURM_ARRAY_TASK_ID]}\"\n") !=
        std::string::npos);
  options.time = "1 day";
  CHECK_THROWS_AS(slurm_array_script("x", {"a"}, options, "/u", "/s", "/h", "/l"), Error);
}

TEST_CASE("untangle sweep on a tiny spec: run-one, list, status, run and slurm") {
  const std::string folder = "/tmp/untangle_test_sweep_cli";
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  write_text(folder + "/spec.json", R"({"name": "tiny", "results": "runs",
    "base": {"model": "beta_vae", "dataset": "xysquares", "architecture": "linear", "latents": 4, "batch": 8,
             "steps": 4, "log-every": 2, "checkpoint-every": 2, "final-metrics": "", "device": "cpu"},
    "seeds": [0, 1, 2]})");
  const std::string spec = folder + "/spec.json";
  auto one = run_program("untangle sweep run-one " + spec + " --run seed=1");
  CHECK(one.exit_code == 0);
  CHECK(run_result_exists(folder + "/runs/seed1"));
  one = run_program("untangle sweep run-one " + spec + " --run seed=1");
  CHECK(one.exit_code == 0);
  CHECK(one.output.find("has finished") != std::string::npos);
  CHECK(file_text(folder + "/runs/seed1/sweep_events.log").find("finished") != std::string::npos);
  CHECK(run_program("untangle sweep list " + spec).output ==
        "seed=0 seed0 pending\nseed=1 seed1 finished\nseed=2 seed2 pending\n");
  CHECK(run_program("untangle sweep run-one " + spec + " --run seed=9").exit_code == 1);
  {
    const RunLock held(folder + "/runs/seed1", 0);  // finished runs return 0 even while locked
    std::filesystem::create_directories(folder + "/runs/seed2");
    const RunLock busy(folder + "/runs/seed2", 0);
    CHECK(run_program("untangle sweep run-one " + spec + " --run seed=2").exit_code == 75);
    const auto status = run_program("untangle sweep status " + spec);
    CHECK(status.output.rfind(
              "sweep tiny: 3 runs: 1 finished, 1 running, 0 interrupted, 0 failed, 1 pending\n", 0) == 0);
    const auto slurm = run_program("untangle sweep slurm " + spec + " --out " + folder + "/job.sbatch");
    CHECK(slurm.output.find("2 array tasks (the unfinished runs of 3)") != std::string::npos);
    CHECK(file_text(folder + "/job.sbatch").find("  'seed=0'\n  'seed=2'\n)") != std::string::npos);
  }
  const auto run = run_program("untangle sweep run " + spec + " --workers 2");
  CHECK(run.exit_code == 0);
  CHECK(run.output.find("sweep: 3/3 done, 0 running, 0 failed, 0 pending") != std::string::npos);
  CHECK(run_program("untangle sweep slurm " + spec + " --out " + folder + "/again.sbatch")
            .output.find("no script written") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(folder + "/again.sbatch"));
  CHECK(run_program("untangle sweep --help").output.find("run-one SPEC --run ID") != std::string::npos);
  std::filesystem::remove_all(folder);
}

TEST_CASE("a reproduction app writes its sweep, and untangle sweep lists the app's own run directories") {
  const std::string folder = "/tmp/untangle_test_sweep_app";
  std::filesystem::remove_all(folder);
  const auto written = run_program("michlo_datasets --profile smoke --out " + folder + " --write-sweep " +
                                   folder + "/specs/datasets.json");
  REQUIRE(written.exit_code == 0);
  CHECK(written.output.find("wrote " + folder + "/specs/datasets.json: 6 runs (profile smoke)") !=
        std::string::npos);
  CHECK(file_text(folder + "/specs/datasets.json").find("\"results\": \"../runs\"") != std::string::npos);
  const std::string listing = run_program("untangle sweep list " + folder + "/specs/datasets.json").output;
  CHECK(listing.rfind("xysquares_ada_gvae_beta0.001_z9_seed0 xysquares_ada_gvae_beta0.001_z9_seed0 pending\n",
                      0) == 0);
  CHECK(std::count(listing.begin(), listing.end(), '\n') == 6);
  // Zietlow's tables: the mod. runs need the manipulation learned from the base runs, so they wait.
  const auto zietlow = run_program("zietlow_tables --profile smoke --out " + folder + "/z --write-sweep " +
                                   folder + "/z.json");
  CHECK(zietlow.output.find("8 runs (profile smoke)") != std::string::npos);
  CHECK(zietlow.output.find("base runs only") != std::string::npos);
  CHECK(run_program("untangle sweep list " + folder + "/z.json").output.find("_mod_") == std::string::npos);
  std::filesystem::remove_all(folder);
}
