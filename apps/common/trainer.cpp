#include "apps/common/trainer.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "apps/common/csv_log.h"
#include "apps/common/divergence.h"
#include "apps/common/figures.h"
#include "apps/common/json.h"
#include "apps/common/metric_progress.h"
#include "apps/common/progress.h"
#include "apps/common/stop_signals.h"
#include "apps/common/trained_run.h"
#include "core/check.h"
#include "core/file_io.h"
#include "core/kill_point.h"
#include "data/registry.h"
#include "data/samplers.h"
#include "kernels/device.h"
#include "metrics/evaluate.h"
#include "nn/graphed_step.h"

namespace untangle {

// Rows of the batch: uniform observations, or for pair models the pairs split into (x, x_pair) (and the
// matched pairs' labels), drawn as the model's settings say (data/samplers.h).
void draw_batch(const GroundTruthDataset& dataset, const InputPipeline& inputs, const Model& model, int batch,
                PhiloxRng& rng, Batch& out) {
  const ModelSettings& s = model.settings();
  std::vector<size_t> first, second;
  switch (model.pair_sampling()) {
    case PairSampling::None: inputs.fill(sample_uniform_indices(dataset, size_t(batch), rng), out.x); return;
    case PairSampling::Weak:
    case PairSampling::Temporal: {
      std::vector<size_t> interleaved;
      if (model.pair_sampling() == PairSampling::Weak) {
        interleaved = sample_weak_pair_batch(dataset, size_t(batch), rng, s.k);
      } else {
        TemporalTransition transition;
        transition.prior = transition_prior_from_name(s.transition);
        transition.rate = s.transition_rate;
        transition.k = s.k;
        interleaved = sample_temporal_pair_batch(dataset, size_t(batch / 2), rng, transition);
      }
      for (size_t i = 0; i < interleaved.size(); i += 2) {
        first.push_back(interleaved[i]);
        second.push_back(interleaved[i + 1]);
      }
      break;
    }
    case PairSampling::Matched: {
      const MatchPairing pairing = match_pairing_from_name(s.pairing);
      out.pair_labels.clear();
      for (int i = 0; i < batch; ++i) {
        const MatchedPair pair = sample_matched_pair(dataset, rng, pairing);
        first.push_back(pair.first);
        second.push_back(pair.second);
        out.pair_labels.push_back(int(pair.label));
      }
      break;
    }
  }
  inputs.fill(first, out.x);
  inputs.fill(second, out.x_pair);
}

// Rows of x (and of x_pair): temporal pairs split the batch's images into two halves.
int rows_per_input(const Model& model, int batch) {
  if (model.pair_sampling() != PairSampling::Temporal) return batch;
  require(batch >= 2 && batch % 2 == 0, "model '", model.settings().model,
          "' trains on temporal pairs: --batch counts images and must be even, got ", batch);
  return batch / 2;
}

namespace {

bool file_exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

void make_directories(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') continue;
    const std::string prefix = path.substr(0, i);
    if (!file_exists(prefix))
      require(mkdir(prefix.c_str(), 0755) == 0, prefix, ": cannot create the directory");
  }
}

std::string number_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
}

struct Optimisers {
  std::vector<ParameterGroup> groups;
  std::vector<Adam> adams;
};

Checkpoint make_checkpoint(const Model& model, const Optimisers& optimisers, long long step,
                           const RunStreams& streams, double seconds) {
  Checkpoint checkpoint;
  checkpoint.add(model.checkpointed_tensors());
  for (size_t i = 0; i < optimisers.adams.size(); ++i) {
    const std::string prefix = "adam." + optimisers.groups[i].name;
    checkpoint.add(optimisers.adams[i].state(prefix));
    checkpoint.metadata[prefix + ".steps"] = std::to_string(optimisers.adams[i].steps_taken());
  }
  checkpoint.metadata["step"] = std::to_string(step);
  checkpoint.metadata["rng.data.counter"] = std::to_string(streams.data.counter());
  checkpoint.metadata["rng.noise.counter"] = std::to_string(streams.noise.counter());
  checkpoint.metadata["seconds"] = number_text(seconds);
  return checkpoint;
}

const std::string& metadata(const Checkpoint& checkpoint, const std::string& key, const std::string& path) {
  auto it = checkpoint.metadata.find(key);
  require(it != checkpoint.metadata.end(), path, ": checkpoint has no '", key, "' record");
  return it->second;
}

// The sums of train_log.csv's current interval (the steps since its last row). When checkpoint_every is
// not a multiple of log_every a checkpoint falls inside an interval, so the sums so far are saved with it
// — as hexadecimal floating point, exact — and a resumed run's next row equals an uninterrupted run's.
struct LogInterval {
  std::vector<double> sums;  // one per logged term
  long long steps = 0;
};

void save_log_interval(const LogInterval& interval, const std::vector<std::string>& term_names,
                       Checkpoint& checkpoint) {
  checkpoint.metadata["log.interval_steps"] = std::to_string(interval.steps);
  for (size_t i = 0; i < term_names.size(); ++i) {
    char buffer[40];
    std::snprintf(buffer, sizeof(buffer), "%a", interval.sums[i]);
    checkpoint.metadata["log.interval_sum." + term_names[i]] = buffer;
  }
}

// The interval saved by save_log_interval; an empty one from a checkpoint made before it was saved.
LogInterval restore_log_interval(const std::map<std::string, std::string>& metadata,
                                 const std::vector<std::string>& term_names, const std::string& source) {
  LogInterval interval;
  interval.sums.assign(term_names.size(), 0.0);
  const auto steps = metadata.find("log.interval_steps");
  if (steps == metadata.end()) return interval;
  interval.steps = metadata_integer(metadata, "log.interval_steps", source);
  for (size_t i = 0; i < term_names.size(); ++i) {
    const auto sum = metadata.find("log.interval_sum." + term_names[i]);
    if (sum != metadata.end()) interval.sums[i] = std::strtod(sum->second.c_str(), nullptr);
  }
  return interval;
}

// The files of a run directory (trainer.h). A hard kill inside write_file_atomically leaves NAME.tmp
// beside one of them; nothing reads it, and it is removed when the run starts again.
void remove_stale_temporary_files(const std::string& directory) {
  for (const char* name : {"config.json", "train_log.csv", "metrics_log.csv", "checkpoint.utg",
                           "metrics.json", "reconstructions.png", "traversals.png", "diverged.json"})
    std::remove((directory + "/" + name + ".tmp").c_str());
}

// A run that diverged is resumed only with a lower learning rate (divergence.h): the same settings would
// replay the same steps into the same divergence. Throws before anything in the directory changes.
void check_divergence_before_resume(const std::string& directory, const RunConfig& config) {
  const std::optional<Divergence> diverged = read_divergence(directory);
  if (!diverged) return;
  const double learning_rate = config.model.optimizer.learning_rate, had = diverged->learning_rate;
  // A learning rate that was not a positive number (one the command line refuses) makes any positive one
  // lower.
  const bool had_valid_rate = std::isfinite(had) && had > 0;
  const std::string had_text = had_valid_rate ? number_text(had) : "(not a positive number)";
  const bool lower =
      std::isfinite(learning_rate) && learning_rate > 0 && (!had_valid_rate || learning_rate < had);
  require(lower, directory, ": training diverged at step ", diverged->step, " (", diverged->cause,
          ") with learning rate ", had_text, "; resuming from the checkpoint at step ",
          diverged->checkpoint_step,
          " with the same settings would diverge again. Give a lower learning rate, e.g. untangle train "
          "--resume --out ",
          directory, " --lr ", number_text(had_valid_rate ? had / 10 : 1e-4),
          " (config.json then records it), or start again in another --out");
  std::fprintf(stderr, "%s diverged at step %lld with learning rate %s; continuing from step %lld with %s\n",
               directory.c_str(), diverged->step, had_text.c_str(), diverged->checkpoint_step,
               number_text(learning_rate).c_str());
}

MetricScores evaluate(const Model& model, const GroundTruthDataset& dataset, const InputPipeline& inputs,
                      const std::vector<std::string>& metrics, const MetricSizes& sizes, uint64_t seed) {
  DatasetCodeSource source(dataset, mean_representation(model, inputs), size_t(model.settings().latents));
  EvaluationRequest request;
  request.metrics = metrics;
  request.sizes = sizes;
  request.seed = seed;
  return evaluate_metrics(source, request);
}

// The largest value of each column of metrics_log.csv (disent reports the best value seen in training).
std::map<std::string, double> column_maxima(const std::string& path) {
  std::map<std::string, double> maxima;
  if (!file_exists(path)) return maxima;
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> names;
  while (std::getline(in, line)) {
    std::vector<std::string> cells = split_list(line, ',');
    if (names.empty()) {
      names = cells;
      for (std::string& name : names) name = name.substr(0, name.find('@'));  // "mig@fast" -> "mig"
      continue;
    }
    for (size_t i = 1; i < cells.size() && i < names.size(); ++i) {
      double v = std::strtod(cells[i].c_str(), nullptr);
      if (std::isfinite(v) && (!maxima.count(names[i]) || v > maxima[names[i]])) maxima[names[i]] = v;
    }
  }
  return maxima;
}

// Whether DIR/metrics.json exists and was written at step `step` (an extended run that was stopped during
// its final evaluation still holds the shorter run's metrics.json).
bool final_outputs_written_at(const std::string& directory, long long step) {
  const std::string path = directory + "/metrics.json";
  if (!file_exists(path)) return false;
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  const std::map<std::string, std::string> fields =
      parse_flat_json(std::string(bytes.begin(), bytes.end()), path);
  const auto it = fields.find("step");
  return it != fields.end() && it->second == std::to_string(step);
}

// ---- setting a run up -------------------------------------------------------------------------------

// The files of a run directory that training reads and writes (trainer.h).
struct RunFiles {
  explicit RunFiles(const std::string& directory)
      : directory(directory),
        checkpoint(directory + "/checkpoint.utg"),
        log(directory + "/train_log.csv"),
        metrics_log(directory + "/metrics_log.csv") {}
  std::string directory, checkpoint, log, metrics_log;
};

// Makes the directory and says whether the run resumes: a directory holding a checkpoint needs --resume,
// a diverged one a lower learning rate, and one stopped before its first checkpoint starts again.
bool decide_resume(const RunConfig& config, const RunFiles& files, bool resume) {
  make_directories(files.directory);
  require(resume || !file_exists(files.checkpoint), files.directory,
          " already holds a run (checkpoint.utg); use --resume to continue it, or another --out");
  if (resume) check_divergence_before_resume(files.directory, config);
  if (resume && !file_exists(files.checkpoint)) {
    // Stopped before its first checkpoint: there is nothing to continue, so it starts again.
    std::fprintf(stderr, "%s has no checkpoint yet: training it from step 0\n", files.directory.c_str());
    return false;
  }
  return resume;
}

Device resolve_device_with_note(const std::string& name) {
  std::string note;
  const Device device = resolve_device(name, &note);
  if (!note.empty()) std::fprintf(stderr, "%s\n", note.c_str());
  return device;
}

std::unique_ptr<GroundTruthDataset> checked_dataset(const RunConfig& config, const std::string& config_path) {
  std::unique_ptr<GroundTruthDataset> dataset = make_dataset(config.dataset, config.dataset_options());
  check_model_fits_dataset(config, *dataset, config_path);
  return dataset;
}

// What a run trains and with what: the device, the data, the model and one Adam per parameter group, and
// the run's random streams (at step 0 until a checkpoint is restored).
struct TrainingParts {
  TrainingParts(const RunConfig& config, const std::string& config_path)
      : device(resolve_device_with_note(config.device)),
        dataset(checked_dataset(config, config_path)),
        inputs(*dataset, config.standardise, config.seed),
        streams(config.seed),
        model(make_model(config.model, streams.weights)) {
    model->to(device);  // before the optimisers, whose moments are made beside the parameters
    optimisers.groups = model->parameter_groups();
    for (const ParameterGroup& group : optimisers.groups)
      optimisers.adams.emplace_back(group.parameters, group.hyperparameters);
  }
  Device device;
  std::unique_ptr<GroundTruthDataset> dataset;
  InputPipeline inputs;
  RunStreams streams;
  std::unique_ptr<Model> model;
  Optimisers optimisers;
};

// Where a resumed run continues: the step, the seconds trained before it, and the checkpoint's records
// (the open log interval's sums among them).
struct ResumePoint {
  long long step = 0;
  double seconds = 0;
  std::map<std::string, std::string> metadata;
};

void restore_weights_and_optimisers(const Checkpoint& checkpoint, const std::string& path,
                                    TrainingParts& parts) {
  const std::string non_finite = first_non_finite_tensor(checkpoint);
  require(non_finite.empty(), path, ": tensor '", non_finite,
          "' holds NaN or infinite values (saved after the training diverged, by an untangle from before "
          "checkpoints were checked); it cannot be continued: train again into another --out");
  checkpoint.restore(parts.model->checkpointed_tensors(), path);
  Optimisers& optimisers = parts.optimisers;
  for (size_t i = 0; i < optimisers.adams.size(); ++i) {
    const std::string prefix = "adam." + optimisers.groups[i].name;
    checkpoint.restore(optimisers.adams[i].state(prefix), path);
    optimisers.adams[i].set_steps_taken(metadata_integer(checkpoint.metadata, prefix + ".steps", path));
  }
}

// Restores the run from its checkpoint; nullopt (after saying so) when it is already complete.
std::optional<ResumePoint> restore_checkpoint(const RunConfig& config, const RunFiles& files,
                                              TrainingParts& parts) {
  const std::string& path = files.checkpoint;
  Checkpoint checkpoint = load_checkpoint(path);
  restore_weights_and_optimisers(checkpoint, path, parts);
  ResumePoint point;
  point.step = metadata_integer(checkpoint.metadata, "step", path);
  // Checked before anything in the directory changes: a run is never shortened, and a finished one is
  // left as it is (its metrics.json was written at this very step).
  require(point.step <= config.steps, files.directory, " has trained ", point.step,
          " steps already; --steps ", config.steps, " would shorten it (give --steps ", point.step,
          " or more to continue it)");
  if (point.step == config.steps && final_outputs_written_at(files.directory, point.step)) {
    std::fprintf(stderr,
                 "%s is complete: %lld of %lld steps trained, metrics.json written; nothing to do (a larger "
                 "--steps trains it further; untangle eval --run %s scores it again)\n",
                 files.directory.c_str(), point.step, config.steps, files.directory.c_str());
    return std::nullopt;
  }
  parts.streams.data.set_counter(metadata_counter(checkpoint.metadata, "rng.data.counter", path));
  parts.streams.noise.set_counter(metadata_counter(checkpoint.metadata, "rng.noise.counter", path));
  point.seconds = std::strtod(metadata(checkpoint, "seconds", path).c_str(), nullptr);
  point.metadata = checkpoint.metadata;
  std::fprintf(stderr, "resuming %s at step %lld of %lld\n", files.directory.c_str(), point.step,
               config.steps);
  return point;
}

// Batches are drawn into host tensors and, when training on a GPU, uploaded into device tensors that are
// reused every step (a captured CUDA graph reads them where they are).
class BatchSource {
 public:
  BatchSource(const TrainingParts& parts, int batch_size)
      : parts_(parts), batch_size_(batch_size), device_(parts.device) {
    const ModelSettings& s = parts.model->settings();
    const int rows = rows_per_input(*parts.model, batch_size);
    host_.x = Tensor::zeros({rows, s.channels, s.height, s.width});
    if (parts.model->needs_pairs()) host_.x_pair = Tensor::zeros({rows, s.channels, s.height, s.width});
    batch_ = host_;
    if (device_ != Device::CPU) {
      batch_.x = host_.x.to(device_);
      if (host_.x_pair.defined()) batch_.x_pair = host_.x_pair.to(device_);
    }
  }

  // Draws the next batch with `rng` into batch().
  void next(PhiloxRng& rng) {
    draw_batch(*parts_.dataset, parts_.inputs, *parts_.model, batch_size_, rng, host_);
    batch_.pair_labels = host_.pair_labels;
    if (device_ == Device::CPU) return;
    copy_floats(host_.x.data(), Device::CPU, batch_.x.storage(), device_, batch_.x.numel());
    if (host_.x_pair.defined())
      copy_floats(host_.x_pair.data(), Device::CPU, batch_.x_pair.storage(), device_, batch_.x_pair.numel());
  }
  const Batch& batch() const { return batch_; }

 private:
  const TrainingParts& parts_;
  int batch_size_;
  Device device_;
  Batch host_, batch_;
};

// The log's columns are the model's terms; one throwaway evaluation-mode loss tells their names.
std::vector<std::string> logged_term_names(const TrainingParts& parts, BatchSource& batches, long long step) {
  Tape tape = Tape::evaluation();
  PhiloxRng scratch_data = parts.streams.data, scratch_noise = parts.streams.noise;  // the real ones stay put
  batches.next(scratch_data);
  std::vector<std::string> names;
  for (const LoggedTerm& term : parts.model->training_loss(tape, batches.batch(), scratch_noise, step).terms)
    names.push_back(term.name);
  return names;
}

struct TrainingLogs {
  std::unique_ptr<CsvLog> train, metrics;  // metrics: only with --eval-every
};

// Opens train_log.csv and metrics_log.csv; a resumed run first drops their rows after its checkpoint.
TrainingLogs open_logs(const RunConfig& config, const RunFiles& files,
                       const std::vector<std::string>& term_names, std::optional<long long> resumed_at) {
  // Each row holds the terms' means over the steps since the previous row (the console shows one step's).
  std::string header = "step";
  for (const std::string& name : term_names) header += "," + name + "_mean";
  header += ",seconds";
  // Each score column names the sample sizes that made it ("@fast": metrics/evaluate.h kFastSizes).
  const std::string metrics_header =
      "step,mig@fast,dci.disentanglement@fast,dci.completeness@fast,dci.informativeness_test@fast";
  if (resumed_at) {
    keep_log_rows_up_to(files.log, *resumed_at, header);
    keep_log_rows_up_to(files.metrics_log, *resumed_at, metrics_header);
  }
  TrainingLogs logs;
  logs.train = std::make_unique<CsvLog>(files.log, header);
  if (config.eval_every > 0) logs.metrics = std::make_unique<CsvLog>(files.metrics_log, metrics_header);
  return logs;
}

// ---- the steps --------------------------------------------------------------------------------------

// A step's logged terms (and its objective, to check it is finite) are read only when a log row, a
// checkpoint or an evaluation needs them, or every `read_every()` steps: on a GPU, reading waits for the
// queued steps to finish, so the steps in between are queued without waiting. Each step's values are
// copied (on its device) into one row of a table, read back with one copy. On the CPU they are read every
// step (free there).
class UnreadLosses {
 public:
  UnreadLosses(Device device, long long log_every, size_t term_count)
      : device_(device),
        read_every_(device == Device::CPU ? 1 : std::max<long long>(1, std::min(log_every, 50LL))),
        term_count_(term_count),
        values_(Tensor::zeros({int(read_every_), int(columns())}, device)) {}

  long long read_every() const { return read_every_; }
  // A row: the objective, then the terms.
  size_t columns() const { return 1 + term_count_; }

  void keep(long long step, const TrainingLoss& loss) {
    require(loss.terms.size() == term_count_, "train: the model logged ", loss.terms.size(),
            " terms at step ", step + 1, " instead of ", term_count_);
    float* row = values_.storage() + steps_.size() * columns();
    // A term may live on the host even when training on a GPU (a value computed there, logged_value()).
    copy_floats(loss.objective.storage(), loss.objective.device(), row, device_, 1);
    for (size_t i = 0; i < loss.terms.size(); ++i)
      copy_floats(loss.terms[i].value.storage(), loss.terms[i].value.device(), row + 1 + i, device_, 1);
    steps_.push_back(step);
  }

  // The kept steps (0-based) and their rows, in order, with one copy; nothing is kept afterwards.
  std::pair<std::vector<long long>, std::vector<float>> take() {
    std::pair<std::vector<long long>, std::vector<float>> taken(std::move(steps_), values_.to_vector());
    steps_.clear();
    return taken;
  }

 private:
  Device device_;
  long long read_every_;
  size_t term_count_;
  Tensor values_;
  std::vector<long long> steps_;
};

// The loop over the steps of a run and what happens at their ends: log rows, evaluations, checkpoints, a
// requested stop, and the stop on a value that is not finite.
class StepLoop {
 public:
  StepLoop(const RunConfig& config, const RunFiles& files, TrainingParts& parts, BatchSource& batches,
           TrainingLogs& logs, const std::vector<std::string>& term_names, const ResumePoint& from,
           bool resumed)
      : config_(config),
        files_(files),
        parts_(parts),
        batches_(batches),
        logs_(logs),
        term_names_(term_names),
        start_(from.step),
        seconds_before_(from.seconds),
        progress_("train", from.step, config.steps),
        interval_(restore_log_interval(from.metadata, term_names, files.checkpoint)),
        clock_start_(std::chrono::steady_clock::now()),
        last_checkpoint_step_(resumed ? from.step : 0),
        unread_(parts.device, config.log_every, term_names.size()) {
    result_.steps_done = from.step;
    // On a GPU the steady-state step is one CUDA graph (nn/graphed_step.h), captured after one ordinary step.
    capture_pending_ = parts.device == Device::CUDA && config.cuda_graph && parts.model->can_capture_step();
  }

  // Runs the steps; false when the run stopped early (a signal, or a value that is not finite).
  bool run(const StopOnSignals& stop);
  const TrainingResult& result() const { return result_; }

 private:
  void take_step(long long step);
  void capture_graph(long long step);
  bool read_terms();
  void write_log_row(long long done);
  void write_metrics_row(long long done);
  bool write_checkpoint(long long done);
  void report_signal_stop(const StopOnSignals& stop, long long done);
  void stop_diverged(long long step, const std::string& what, const std::string& cause);
  double seconds_now() const {
    return seconds_before_ +
           std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start_).count();
  }

  const RunConfig& config_;
  const RunFiles& files_;
  TrainingParts& parts_;
  BatchSource& batches_;
  TrainingLogs& logs_;
  const std::vector<std::string>& term_names_;
  long long start_;
  double seconds_before_;
  ProgressReporter progress_;
  LogInterval interval_;
  std::chrono::steady_clock::time_point clock_start_;
  // A loss term, a weight or an Adam moment that is not finite stops the run: the last good checkpoint is
  // kept, and DIR/diverged.json makes --resume ask for a lower learning rate (divergence.h).
  long long last_checkpoint_step_;
  UnreadLosses unread_;
  std::unique_ptr<GraphedTrainingStep> graphed_;
  bool capture_pending_ = false;
  TrainingResult result_;
};

bool StepLoop::run(const StopOnSignals& stop) {
  for (long long step = start_; step < config_.steps; ++step) {
    take_step(step);
    const long long done = step + 1;
    const bool log_row = done % config_.log_every == 0 || done == config_.steps;
    const bool evaluate_now = logs_.metrics && done % config_.eval_every == 0;
    // A requested stop (SIGINT, SIGTERM) reads the step's values and checkpoints it like any checkpoint step.
    const bool stopping = stop.requested() && done < config_.steps;
    const bool checkpoint_now = done % config_.checkpoint_every == 0 || done == config_.steps || stopping;
    // A checkpoint is written only after its steps were read, so a non-finite loss never reaches one.
    if (done % unread_.read_every() == 0 || log_row || evaluate_now || checkpoint_now) {
      if (!read_terms()) return false;
      result_.steps_done = done;
    }
    if (log_row) write_log_row(done);
    if (evaluate_now) write_metrics_row(done);
    if (checkpoint_now && !write_checkpoint(done)) return false;
    if (stopping) {
      report_signal_stop(stop, done);
      return false;
    }
  }
  return true;
}

void StepLoop::take_step(long long step) {
  batches_.next(parts_.streams.data);
  if (capture_pending_ && step > start_) capture_graph(step);
  if (graphed_)
    unread_.keep(step, graphed_->run());  // copied before the next replay overwrites them
  else
    unread_.keep(step, training_step(*parts_.model, parts_.optimisers.adams, batches_.batch(),
                                     parts_.streams.noise, step));
}

void StepLoop::capture_graph(long long step) {
  capture_pending_ = false;
  try {
    graphed_ = std::make_unique<GraphedTrainingStep>(*parts_.model, parts_.optimisers.adams, batches_.batch(),
                                                     parts_.streams.noise, step);
    result_.cuda_graph_used = true;
    std::fprintf(stderr, "cuda graph: the training step is captured (%zu operations per replay)\n",
                 graphed_->kernel_count());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cuda graph: not used (%s); steps run kernel by kernel\n", e.what());
  }
}

// Reads the unread steps in order into the log interval and the progress line; false (after reporting
// it) at the first loss that is not finite.
bool StepLoop::read_terms() {
  const auto [steps, values] = unread_.take();
  const size_t columns = unread_.columns();
  for (size_t r = 0; r < steps.size(); ++r) {
    const float* row = values.data() + r * columns;
    std::string cause, all_terms;  // the terms that are not finite; every term
    for (size_t i = 0; i < term_names_.size(); ++i) {
      const std::string term = term_names_[i] + " = " + number_text(row[1 + i]);
      if (!std::isfinite(row[1 + i])) cause += (cause.empty() ? "" : ", ") + term;
      all_terms += (all_terms.empty() ? "" : ", ") + term;
    }
    if (cause.empty() && !std::isfinite(row[0])) cause = "the objective = " + number_text(row[0]);
    if (!cause.empty()) {
      const long long step = steps[r] + 1;
      stop_diverged(step,
                    "the loss is not finite at step " + std::to_string(step) + " (" + cause +
                        "; all terms: " + all_terms + ")",
                    cause);
      return false;
    }
    for (size_t i = 0; i < term_names_.size(); ++i) interval_.sums[i] += row[1 + i];
    ++interval_.steps;
    std::vector<std::pair<std::string, double>> shown;  // this step's values, labelled as such
    for (size_t i = 0; i < term_names_.size() && i < 3; ++i)
      shown.emplace_back(i == 0 ? "this step: " + term_names_[i] : term_names_[i], row[1 + i]);
    progress_.update(steps[r] + 1, shown);
  }
  return true;
}

void StepLoop::write_log_row(long long done) {
  std::string row = std::to_string(done);
  for (double sum : interval_.sums) row += "," + number_text(sum / double(interval_.steps));
  logs_.train->row(row + "," + number_text(seconds_now()));
  std::fill(interval_.sums.begin(), interval_.sums.end(), 0.0);
  interval_.steps = 0;
  kill_point("log_row");
}

void StepLoop::write_metrics_row(long long done) {
  const std::vector<std::string> fast_metrics = {"mig", "dci"};
  MetricScores scores = evaluate(*parts_.model, *parts_.dataset, parts_.inputs, fast_metrics, kFastSizes,
                                 config_.seed + uint64_t(done));
  std::map<std::string, double> named(scores.begin(), scores.end());
  logs_.metrics->row(std::to_string(done) + "," + number_text(named["mig"]) + "," +
                     number_text(named["dci.disentanglement"]) + "," +
                     number_text(named["dci.completeness"]) + "," +
                     number_text(named["dci.informativeness_test"]));
}

// False (after reporting it) when the step's update made a tensor non-finite: such a state is never saved.
bool StepLoop::write_checkpoint(long long done) {
  Checkpoint checkpoint =
      make_checkpoint(*parts_.model, parts_.optimisers, done, parts_.streams, seconds_now());
  // A finite loss can still come with an update that overflowed.
  const std::string non_finite = first_non_finite_tensor(checkpoint);
  if (!non_finite.empty()) {
    stop_diverged(done,
                  "the update of step " + std::to_string(done) + " made '" + non_finite +
                      "' non-finite (its loss was finite)",
                  "the update made '" + non_finite + "' non-finite");
    return false;
  }
  save_log_interval(interval_, term_names_, checkpoint);
  save_checkpoint(files_.checkpoint, checkpoint);
  last_checkpoint_step_ = done;
  kill_point("checkpoint");
  return true;
}

void StepLoop::report_signal_stop(const StopOnSignals& stop, long long done) {
  progress_.interrupt();
  std::fprintf(stderr,
               "train: %s at step %lld of %lld: stopped, checkpoint written. Continue with:\n"
               "  untangle train --resume --out %s\n",
               stop.signal_name(), done, config_.steps, files_.directory.c_str());
  result_.stopped_by_signal = stop.requested();
}

// `what` is the message's sentence, `cause` its short form for diverged.json.
void StepLoop::stop_diverged(long long step, const std::string& what, const std::string& cause) {
  progress_.interrupt();
  const double learning_rate = config_.model.optimizer.learning_rate;
  write_divergence(files_.directory, {step, cause, learning_rate, last_checkpoint_step_});
  const double lower = std::isfinite(learning_rate) && learning_rate > 0 ? learning_rate / 10 : 1e-4;
  const std::string kept =
      last_checkpoint_step_ > 0
          ? "The last good checkpoint is kept (step " + std::to_string(last_checkpoint_step_) +
                "): " + files_.checkpoint +
                "; continue it with a lower learning rate: untangle train --resume --out " +
                files_.directory + " --lr " + number_text(lower)
          : std::string("No checkpoint was written before it; start again with a lower --lr.");
  std::fprintf(stderr, "train: error: %s; stopping. %s\n", what.c_str(), kept.c_str());
  result_.stopped_on_non_finite_loss = true;
}

// ---- the final outputs ------------------------------------------------------------------------------

void write_figures(const RunFiles& files, TrainingParts& parts) {
  PhiloxRng figure_rng = parts.streams.evaluation.split(1);
  const Model& model = *parts.model;
  if (!model.has_decoder()) {
    std::fprintf(stderr,
                 "figures: %s has no decoder, so reconstructions.png and traversals.png are skipped\n",
                 model.settings().model.c_str());
    return;
  }
  write_reconstruction_figure(files.directory + "/reconstructions.png", model, *parts.dataset, parts.inputs,
                              figure_rng);
  const std::vector<double> kl = latent_kl(model, *parts.dataset, parts.inputs, figure_rng, 256);
  write_traversal_figure(files.directory + "/traversals.png", model, *parts.dataset, parts.inputs, kl,
                         figure_rng);
}

// DIR/metrics.json: the final metrics, the best fast values seen during training and the active units.
void write_final_metrics(const RunConfig& config, const RunFiles& files, const TrainingParts& parts,
                         long long steps_done) {
  const Model& model = *parts.model;
  std::vector<std::string> final_metrics = split_list(config.final_metrics);
  JsonObject metrics_json;
  metrics_json.add("step", steps_done).add("metric_sizes", config.final_metric_sizes);
  if (!final_metrics.empty()) {
    EvaluationRequest request;
    request.metrics = final_metrics;
    request.sizes = config.final_metric_sizes == "fast" ? kFastSizes : kReferenceSizes;
    request.seed = config.seed;
    metrics_json.add("metric_points", describe_plan(plan_metrics(request)));
    for (const auto& [name, value] :
         evaluate_model_with_progress("final metrics", model, *parts.dataset, parts.inputs, request))
      metrics_json.add(name, value);
  }
  const std::map<std::string, double> maxima = column_maxima(files.metrics_log);
  if (!maxima.empty()) metrics_json.add("max_during_training_sizes", "fast");
  for (const auto& [name, value] : maxima) metrics_json.add("max_during_training." + name, value);
  // The over-pruning filter's input (Zietlow et al. §5.3), part of the final evaluation (a run without
  // final metrics skips it too): fast sizes use 2,000 observations, reference 10,000.
  if (!final_metrics.empty())
    add_active_units(metrics_json,
                     model_active_units(model, *parts.dataset, parts.inputs,
                                        config.final_metric_sizes == "fast" ? 2000 : 10000, config.seed));
  write_file_atomically(files.directory + "/metrics.json", metrics_json.str(2) + "\n");
}

}  // namespace

TrainingResult train_run(const RunConfig& config, const std::string& directory, bool resume) {
  const RunFiles files(directory);
  resume = decide_resume(config, files, resume);
  TrainingParts parts(config, directory + "/config.json");
  ResumePoint from;
  if (resume) {
    const std::optional<ResumePoint> point = restore_checkpoint(config, files, parts);
    if (!point) {
      TrainingResult finished;
      finished.steps_done = config.steps;
      return finished;
    }
    from = *point;
  } else {
    // A run started again after a kill before its first checkpoint: its old log rows are logged again.
    std::remove(files.log.c_str());
    std::remove(files.metrics_log.c_str());
  }
  remove_stale_temporary_files(directory);
  write_run_config(directory + "/config.json", config);
  std::remove(divergence_path(directory).c_str());  // config.json records the lower learning rate now

  BatchSource batches(parts, config.batch);
  const std::vector<std::string> term_names = logged_term_names(parts, batches, from.step);
  TrainingLogs logs =
      open_logs(config, files, term_names, resume ? std::optional<long long>(from.step) : std::nullopt);
  const ModelSettings& s = parts.model->settings();
  std::fprintf(stderr, "training %s on %s: %zu parameters, batch %d, steps %lld, seed %llu, %s\n",
               s.model.c_str(), parts.dataset->name().c_str(), parts.model->parameters().total_values(),
               config.batch, config.steps, config.seed, device_name(parts.device));

  StepLoop loop(config, files, parts, batches, logs, term_names, from, resume);
  // Ctrl-C or a scheduler's SIGTERM: checkpoint at the next step's end, then return.
  const StopOnSignals stop;
  if (!loop.run(stop)) return loop.result();

  kill_point("final_evaluation");
  write_figures(files, parts);
  write_final_metrics(config, files, parts, loop.result().steps_done);
  std::fprintf(stderr, "done: %s/{config.json, train_log.csv, checkpoint.utg, metrics.json%s}\n",
               directory.c_str(), parts.model->has_decoder() ? ", reconstructions.png, traversals.png" : "");
  return loop.result();
}

}  // namespace untangle
