// The trainer's contracts (apps/common/trainer.h): a short run lowers the loss and writes the run
// directory; a resumed run ends bit-identical to an uninterrupted one; a non-finite loss stops the run
// naming the step and keeps the last good checkpoint; an existing run is never overwritten.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "apps/common/run_config.h"
#include "apps/common/trainer.h"
#include "cli_helpers.h"
#include "core/check.h"
#include "data/registry.h"
#include "data/samplers.h"
#include "nn/checkpoint.h"
#include "small_training_run.h"

using namespace untangle;
using untangle::testing::file_text;

namespace {

std::string fresh_directory(const std::string& name) {
  std::string path = "/tmp/untangle_test_run_" + name;
  std::system(("rm -rf " + path).c_str());
  return path;
}

RunConfig small_config(long long steps) {
  return testing::small_training_run(steps);
}

std::vector<double> column(const std::string& csv_path, const std::string& name) {
  std::ifstream in(csv_path);
  std::string line;
  std::getline(in, line);
  size_t index = 0, at = 0;
  for (size_t start = 0; (at = line.find(',', start)) != std::string::npos || start < line.size();
       start = at + 1, ++index) {
    if (line.substr(start, at == std::string::npos ? std::string::npos : at - start) == name) break;
    if (at == std::string::npos) FAIL("no column " << name);
  }
  std::vector<double> values;
  while (std::getline(in, line)) {
    size_t start = 0;
    for (size_t i = 0; i < index; ++i) start = line.find(',', start) + 1;
    values.push_back(std::strtod(line.c_str() + start, nullptr));
  }
  return values;
}

}  // namespace

TEST_CASE("a short run lowers the loss and fills the run directory") {
  const std::string dir = fresh_directory("short");
  TrainingResult result = train_run(small_config(60), dir, false);
  CHECK(result.steps_done == 60);
  std::vector<double> loss = column(dir + "/train_log.csv", "reconstruction_mean");
  REQUIRE(loss.size() == 12);
  CHECK(loss.back() < 0.8 * loss.front());
  for (const char* file :
       {"config.json", "checkpoint.utg", "metrics.json", "reconstructions.png", "traversals.png"})
    CHECK(std::ifstream(dir + "/" + file).good());
  // The directory now holds a run: a second training into it is refused rather than overwriting it.
  CHECK_THROWS_AS(train_run(small_config(60), dir, false), Error);
}

TEST_CASE("a resumed run ends bit-identical to an uninterrupted one") {
  const std::string whole = fresh_directory("whole"), split = fresh_directory("split");
  train_run(small_config(30), whole, false);
  train_run(small_config(20), split, false);
  RunConfig resumed = read_run_config(split + "/config.json");
  resumed.steps = 30;
  train_run(resumed, split, true);
  Checkpoint a = load_checkpoint(whole + "/checkpoint.utg"), b = load_checkpoint(split + "/checkpoint.utg");
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [name, tensor] : a.tensors) {
    CAPTURE(name);
    REQUIRE(b.tensors.count(name));
    CHECK(tensor.to_vector() == b.tensors[name].to_vector());
  }
  CHECK(a.metadata["step"] == "30");
  CHECK(a.metadata["rng.data.counter"] == b.metadata["rng.data.counter"]);
  // The logs agree too (apart from the seconds column).
  CHECK(column(whole + "/train_log.csv", "loss_mean") == column(split + "/train_log.csv", "loss_mean"));
}

TEST_CASE(
    "resuming a finished run changes nothing; a shorter --steps is refused; a stale metrics.json is redone") {
  const std::string dir = fresh_directory("finished");
  train_run(small_config(20), dir, false);
  const std::string metrics = file_text(dir + "/metrics.json"), log = file_text(dir + "/train_log.csv"),
                    checkpoint = file_text(dir + "/checkpoint.utg");
  const auto written = std::filesystem::last_write_time(dir + "/metrics.json"),
             drawn = std::filesystem::last_write_time(dir + "/reconstructions.png");
  RunConfig again = read_run_config(dir + "/config.json");
  const TrainingResult complete = train_run(again, dir, true);
  CHECK(complete.steps_done == 20);
  // Not even rewritten with the same bytes: nothing in the directory is touched.
  CHECK(std::filesystem::last_write_time(dir + "/metrics.json") == written);
  CHECK(std::filesystem::last_write_time(dir + "/reconstructions.png") == drawn);
  CHECK(file_text(dir + "/metrics.json") == metrics);
  CHECK(file_text(dir + "/train_log.csv") == log);
  CHECK(file_text(dir + "/checkpoint.utg") == checkpoint);

  RunConfig shorter = again;
  shorter.steps = 10;
  CHECK_THROWS_WITH_AS(train_run(shorter, dir, true), doctest::Contains("has trained 20 steps already"),
                       Error);
  CHECK(file_text(dir + "/train_log.csv") == log);  // refused before anything was touched

  // A metrics.json from another step (an extended run stopped during its final evaluation): the final
  // outputs are made again for the checkpoint's step, with no training step.
  std::string stale = metrics;
  stale.replace(stale.find("\"step\": 20"), 10, "\"step\": 19");
  std::ofstream(dir + "/metrics.json", std::ios::binary) << stale;
  CHECK(train_run(again, dir, true).steps_done == 20);
  CHECK(file_text(dir + "/metrics.json") == metrics);
  CHECK(file_text(dir + "/train_log.csv") == log);
}

TEST_CASE("a non-finite loss stops the run at its step and keeps the last good checkpoint") {
  const std::string dir = fresh_directory("nan");
  RunConfig config = small_config(40);
  config.checkpoint_every = 1;
  config.model.optimizer.learning_rate = 1e12f;  // the first update throws the weights far enough to overflow
  TrainingResult result = train_run(config, dir, false);
  CHECK(result.stopped_on_non_finite_loss);
  CHECK(result.steps_done >= 1);
  CHECK(result.steps_done < 40);
  Checkpoint last = load_checkpoint(dir + "/checkpoint.utg");
  CHECK(std::stoll(last.metadata["step"]) == result.steps_done);
  size_t non_finite = 0;
  for (const auto& [name, tensor] : last.tensors)
    for (float v : tensor.to_vector()) non_finite += !std::isfinite(v);
  CHECK(non_finite == 0);
}

namespace {
// A model that only declares how it wants its pairs drawn (the batch-drawing test needs no network).
class PairsOnly : public Model {
 public:
  PairsOnly(const ModelSettings& s, PhiloxRng& rng, PairSampling kind)
      : Model(s, rng, Networks::None), kind_(kind) {}
  PairSampling pair_sampling() const override { return kind_; }
  TrainingLoss training_loss(Tape&, const Batch&, PhiloxRng&, long long) const override { return {}; }

 private:
  PairSampling kind_;
};
}  // namespace

TEST_CASE("the trainer draws each pair kind with the sampler and the settings the model names") {
  auto dataset = make_dataset("xysquares");
  InputPipeline inputs(*dataset, false, 0);
  ModelSettings s = default_model_settings("beta_vae");
  s.k = 2;
  s.transition = "uniform";
  s.pairing = "change";
  PhiloxRng weights(1);
  const int batch = 8;
  auto render = [&](const std::vector<size_t>& indices) {
    Tensor x = Tensor::zeros({int(indices.size()), 3, 64, 64});
    inputs.fill(indices, x);
    return x.to_vector();
  };
  for (PairSampling kind : {PairSampling::Weak, PairSampling::Temporal, PairSampling::Matched}) {
    PairsOnly model(s, weights, kind);
    const int rows = rows_per_input(model, batch);
    CHECK(rows == (kind == PairSampling::Temporal ? batch / 2 : batch));
    Batch out{Tensor::zeros({rows, 3, 64, 64}), Tensor::zeros({rows, 3, 64, 64}), {}};
    PhiloxRng rng(7), copy(7);
    draw_batch(*dataset, inputs, model, batch, rng, out);
    // The same draws straight from the sampler, with the settings above.
    std::vector<size_t> first, second;
    std::vector<int> labels;
    if (kind == PairSampling::Matched) {
      for (int i = 0; i < batch; ++i) {
        const MatchedPair pair = sample_matched_pair(*dataset, copy, MatchPairing::Change);
        first.push_back(pair.first), second.push_back(pair.second), labels.push_back(int(pair.label));
      }
    } else {
      TemporalTransition transition;
      transition.prior = TemporalTransition::Prior::Uniform;
      transition.k = 2;
      const std::vector<size_t> interleaved =
          kind == PairSampling::Weak ? sample_weak_pair_batch(*dataset, size_t(batch), copy, 2)
                                     : sample_temporal_pair_batch(*dataset, size_t(rows), copy, transition);
      for (size_t i = 0; i < interleaved.size(); i += 2)
        first.push_back(interleaved[i]), second.push_back(interleaved[i + 1]);
    }
    CHECK(out.x.to_vector() == render(first));
    CHECK(out.x_pair.to_vector() == render(second));
    CHECK(out.pair_labels == labels);
  }
  PairsOnly temporal(s, weights, PairSampling::Temporal);
  CHECK_THROWS_WITH_AS(rows_per_input(temporal, 7), doctest::Contains("must be even"), Error);
}
