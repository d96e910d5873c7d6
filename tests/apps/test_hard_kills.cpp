// The trainer against what ends runs badly (apps/common/trainer.h, csv_log.h, divergence.h): a hard kill
// (SIGKILL, aimed with the UNTANGLE_KILL_AT hook of core/kill_point.h) before the first checkpoint,
// half-way through a checkpoint's temporary file or between a checkpoint and a log row, then a restart,
// ends with the files of an uninterrupted run; a log's blank or partial line does not stop a resume; an
// update that overflows is never checkpointed and --resume then asks for a lower learning rate; a full
// file system fails with the file named and the earlier files intact. The long, randomised kill test is
// scripts/kill_resume_test.py (docs/reliability.md).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "apps/common/csv_log.h"
#include "apps/common/divergence.h"
#include "apps/common/run_config.h"
#include "apps/common/trainer.h"
#include "cli_helpers.h"
#include "core/check.h"
#include "nn/checkpoint.h"
#include "small_training_run.h"

using namespace untangle;
using untangle::testing::file_text;
using untangle::testing::log_without_seconds;

namespace {

std::string fresh_directory(const std::string& name) {
  const std::string path = "/tmp/untangle_test_kill_" + name;
  std::filesystem::remove_all(path);
  return path;
}

std::set<std::string> file_names(const std::string& directory) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory))
    names.insert(entry.path().filename());
  return names;
}

// Two run directories hold the same files with the same contents, wall-clock values aside (the log's
// seconds column, the checkpoint's `seconds` record).
void check_same_run(const std::string& expected, const std::string& actual) {
  REQUIRE(file_names(actual) == file_names(expected));
  for (const std::string& name : file_names(expected)) {
    CAPTURE(name);
    const std::string a = expected + "/" + name, b = actual + "/" + name;
    if (name == "train_log.csv") {
      CHECK(log_without_seconds(a) == log_without_seconds(b));
    } else if (name == "checkpoint.utg") {
      Checkpoint x = load_checkpoint(a), y = load_checkpoint(b);
      x.metadata.erase("seconds"), y.metadata.erase("seconds");
      CHECK(x.metadata == y.metadata);
      REQUIRE(x.tensors.size() == y.tensors.size());
      for (const auto& [tensor_name, tensor] : x.tensors)
        CHECK(tensor.to_vector() == y.tensors[tensor_name].to_vector());
    } else {
      CHECK(file_text(a) == file_text(b));
    }
  }
}

// Checkpoints every 7 steps fall inside 3-step log intervals (the straddle a resume must reproduce).
const std::string kTrainArgs =
    "--model beta_vae --dataset xysquares --architecture linear --latents 4 --batch 8 --steps 30 --log-every "
    "3 "
    "--checkpoint-every 7 --final-metrics '' --device cpu";

testing::CommandResult train(const std::string& directory, const std::string& kill_at, bool resume) {
  const std::string environment =
      "UNTANGLE_THREADS=1" + (kill_at.empty() ? "" : " UNTANGLE_KILL_AT=" + kill_at);
  return testing::run_shell(environment + " " + UNTANGLE_BIN_DIR + "/untangle train --out " + directory +
                            " " + (resume ? "--resume" : kTrainArgs) +
                            "; exit $?");  // the shell reports a kill
}

// The tests' small run with a linear model (fast; its checkpoint is 1.9 MB).
RunConfig linear_run(long long steps) {
  RunConfig config = testing::small_training_run(steps);
  config.model.architecture = "linear";
  return config;
}

}  // namespace

TEST_CASE("a run hard-killed at an aimed moment and started again ends with an uninterrupted run's files") {
  const std::string reference = fresh_directory("reference");
  REQUIRE(train(reference, "", false).exit_code == 0);
  // (kill point, whether a checkpoint exists afterwards so the restart uses --resume)
  const std::pair<const char*, bool> kills[] = {
      {"log_row:2", false},              // before the first checkpoint: the restart must not append
      {"checkpoint:2", true},            // checkpoint at 14 inside the log interval 13..15
      {"write:checkpoint.utg:3", true},  // half of checkpoint.utg.tmp written at step 21
  };
  for (const auto& [point, has_checkpoint] : kills) {
    const std::string kill_at = point;
    CAPTURE(kill_at);
    const std::string directory = fresh_directory("aimed");
    const testing::CommandResult killed = train(directory, kill_at, false);
    CHECK(killed.exit_code == 128 + 9);  // the shell's status for SIGKILL
    CHECK(std::filesystem::exists(directory + "/checkpoint.utg") == has_checkpoint);
    const testing::CommandResult finished = train(directory, "", has_checkpoint);
    INFO(finished.output);
    REQUIRE(finished.exit_code == 0);
    check_same_run(reference, directory);  // includes: no checkpoint.utg.tmp left
  }
}

TEST_CASE("a resume cuts a blank or partial log line instead of failing on it") {
  const std::string path = fresh_directory("cut") + ".csv";
  std::ofstream(path) << "step,loss_mean,seconds\n3,1.5,0.1\n6,1.25,0.2\n\n9,1.0,0.3\n12,0";
  keep_log_rows_up_to(path, 9);
  CHECK(file_text(path) == "step,loss_mean,seconds\n3,1.5,0.1\n6,1.25,0.2\n");  // cut at the blank line
  std::ofstream(path) << "step,loss,seconds\n3,1.5,0.1\n6,1.25,0.2\n9,1.0,0.3\n12,0";
  keep_log_rows_up_to(path, 9, "step,loss_mean,seconds");  // an older log gets the current header
  CHECK(file_text(path) == "step,loss_mean,seconds\n3,1.5,0.1\n6,1.25,0.2\n9,1.0,0.3\n");
  std::ofstream(path) << "step,loss_mean,seconds\n3,1.5,0.1\n9,1.0,0.3\n6,1.25,0.2\n";
  keep_log_rows_up_to(path, 9);
  CHECK(file_text(path) == "step,loss_mean,seconds\n3,1.5,0.1\n9,1.0,0.3\n");  // out of order: cut

  // A whole run: damage after the checkpoint's rows is dropped and the resumed log equals an uninterrupted
  // one.
  const std::string whole = fresh_directory("whole30"), split = fresh_directory("split30");
  train_run(linear_run(30), whole, false);
  train_run(linear_run(20), split, false);
  std::ofstream(split + "/train_log.csv", std::ios::app) << "\n25,1";
  RunConfig longer = read_run_config(split + "/config.json");
  longer.steps = 30;
  CHECK(train_run(longer, split, true).steps_done == 30);
  CHECK(log_without_seconds(split + "/train_log.csv") == log_without_seconds(whole + "/train_log.csv"));
}

TEST_CASE(
    "an update that overflows is never checkpointed, and --resume then asks for a lower learning rate") {
  const std::string whole = fresh_directory("nan_whole"), dir = fresh_directory("nan");
  train_run(linear_run(20), whole, false);
  train_run(linear_run(10), dir, false);  // a good checkpoint at step 10

  RunConfig diverging = read_run_config(dir + "/config.json");
  diverging.steps = 20;
  diverging.checkpoint_every = 1;
  diverging.model.optimizer.learning_rate = INFINITY;  // step 11's loss is finite, its update is not
  const TrainingResult stopped = train_run(diverging, dir, true);
  CHECK(stopped.stopped_on_non_finite_loss);
  Checkpoint kept = load_checkpoint(dir + "/checkpoint.utg");
  CHECK(kept.metadata["step"] == "10");
  CHECK(first_non_finite_tensor(kept) == "");
  const std::optional<Divergence> record = read_divergence(dir);
  REQUIRE(record);
  CHECK(record->step == 11);
  CHECK(record->checkpoint_step == 10);
  CHECK(record->cause.find("non-finite") != std::string::npos);

  // The same (or a non-finite) learning rate is refused before anything changes; a lower one continues,
  // here back to the original one, so the run ends as the uninterrupted one does.
  const std::string log_before = file_text(dir + "/train_log.csv");
  CHECK_THROWS_WITH_AS(train_run(diverging, dir, true), doctest::Contains("Give a lower learning rate"),
                       Error);
  CHECK(file_text(dir + "/train_log.csv") == log_before);
  RunConfig lower = linear_run(20);
  CHECK(train_run(lower, dir, true).steps_done == 20);
  CHECK_FALSE(std::filesystem::exists(divergence_path(dir)));
  check_same_run(whole, dir);
}

TEST_CASE("a checkpoint that holds NaN is refused on resume, naming the tensor") {
  const std::string dir = fresh_directory("nan_checkpoint");
  train_run(linear_run(10), dir, false);
  Checkpoint checkpoint = load_checkpoint(dir + "/checkpoint.utg");
  const std::string name = checkpoint.tensors.begin()->first;
  std::vector<float> values = checkpoint.tensors[name].to_vector();
  values[0] = NAN;
  checkpoint.tensors[name].copy_from(values);
  save_checkpoint(dir + "/checkpoint.utg", checkpoint);
  RunConfig longer = linear_run(20);
  CHECK_THROWS_WITH_AS(train_run(longer, dir, true),
                       doctest::Contains(("'" + name + "' holds NaN or infinite").c_str()), Error);
}

TEST_CASE("a log on a full device fails with the file named") {
  const std::string link = fresh_directory("full") + ".csv";
  std::filesystem::remove(link);
  std::filesystem::create_symlink("/dev/full", link);  // every write: ENOSPC
  CHECK_THROWS_WITH_AS(CsvLog(link, "step,loss_mean"),
                       doctest::Contains((link + ": cannot append a row (No space left").c_str()), Error);
  std::filesystem::remove(link);
}

TEST_CASE("writing into a full file system fails clearly and keeps every earlier file intact") {
  const std::string mount_point = fresh_directory("tmpfs");
  std::filesystem::create_directories(mount_point);
  if (geteuid() != 0 ||
      std::system(("mount -t tmpfs -o size=64k tmpfs " + mount_point + " 2>/dev/null").c_str()) != 0) {
    MESSAGE("skipped: mounting a 64 KiB tmpfs needs root (and a system that allows it)");
    return;
  }
  // A log fills the file system: every row written is complete, and the failing one is not kept in part.
  const std::string log_path = mount_point + "/log.csv";
  long long rows = 0;
  try {
    CsvLog log(log_path, "step,loss_mean,reconstruction_mean,kl_mean,seconds");
    for (;; ++rows) log.row(std::to_string(rows) + ",1234.5678,1234.5678,0.0123456,1.23456789");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find(log_path + ": cannot append a row (No space left on device)") == 0);
  }
  const std::string log_text = file_text(log_path);
  CHECK(rows > 100);
  CHECK(log_text.back() == '\n');
  CHECK(std::count(log_text.begin(), log_text.end(), '\n') == rows + 1);
  std::filesystem::remove(log_path);

  // A run whose checkpoint does not fit: an error naming the checkpoint; config.json and the log rows so
  // far are intact, and no temporary file is left.
  const std::string run = mount_point + "/run";
  RunConfig config = linear_run(20);
  CHECK_THROWS_WITH_AS(
      train_run(config, run, false),
      doctest::Contains((run + "/checkpoint.utg: cannot write (No space left on device)").c_str()), Error);
  CHECK(read_run_config(run + "/config.json").steps == 20);
  CHECK(file_text(run + "/train_log.csv").find("\n5,") != std::string::npos);
  CHECK(file_text(run + "/train_log.csv").back() == '\n');
  CHECK(file_names(run) == std::set<std::string>{"config.json", "train_log.csv"});
  CHECK(std::system(("umount " + mount_point).c_str()) == 0);
}
