#include "apps/common/trainer.h"

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "apps/common/csv_log.h"
#include "apps/common/divergence.h"
#include "apps/common/figures.h"
#include "apps/common/json.h"
#include "apps/common/metric_progress.h"
#include "apps/common/progress.h"
#include "apps/common/stop_signals.h"
#include "apps/common/trained_run.h"
#include "data/registry.h"
#include "data/samplers.h"
#include "core/check.h"
#include "kernels/device.h"
#include "core/file_io.h"
#include "core/kill_point.h"
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
    case PairSampling::None:
      inputs.fill(sample_uniform_indices(dataset, size_t(batch), rng), out.x);
      return;
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
    if (!file_exists(prefix)) require(mkdir(prefix.c_str(), 0755) == 0, prefix, ": cannot create the directory");
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

Checkpoint make_checkpoint(const Model& model, const Optimisers& optimisers, long long step, const RunStreams& streams,
                           double seconds) {
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
  for (const char* name : {"config.json", "train_log.csv", "metrics_log.csv", "checkpoint.utg", "metrics.json",
                           "reconstructions.png", "traversals.png", "diverged.json"})
    std::remove((directory + "/" + name + ".tmp").c_str());
}

// A run that diverged is resumed only with a lower learning rate (divergence.h): the same settings would
// replay the same steps into the same divergence. Throws before anything in the directory changes.
void check_divergence_before_resume(const std::string& directory, const RunConfig& config) {
  const std::optional<Divergence> diverged = read_divergence(directory);
  if (!diverged) return;
  const double learning_rate = config.model.optimizer.learning_rate, had = diverged->learning_rate;
  // A learning rate that was not a positive number (one the command line refuses) makes any positive one lower.
  const bool had_valid_rate = std::isfinite(had) && had > 0;
  const std::string had_text = had_valid_rate ? number_text(had) : "(not a positive number)";
  const bool lower = std::isfinite(learning_rate) && learning_rate > 0 && (!had_valid_rate || learning_rate < had);
  require(lower, directory, ": training diverged at step ", diverged->step, " (", diverged->cause,
          ") with learning rate ", had_text, "; resuming from the checkpoint at step ", diverged->checkpoint_step,
          " with the same settings would diverge again. Give a lower learning rate, e.g. untangle train --resume --out ",
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
  const std::map<std::string, std::string> fields = parse_flat_json(std::string(bytes.begin(), bytes.end()), path);
  const auto it = fields.find("step");
  return it != fields.end() && it->second == std::to_string(step);
}

}  // namespace

TrainingResult train_run(const RunConfig& config, const std::string& directory, bool resume) {
  const std::string checkpoint_path = directory + "/checkpoint.utg", log_path = directory + "/train_log.csv";
  const std::string metrics_log_path = directory + "/metrics_log.csv";
  make_directories(directory);
  require(resume || !file_exists(checkpoint_path), directory,
          " already holds a run (checkpoint.utg); use --resume to continue it, or another --out");
  if (resume) check_divergence_before_resume(directory, config);
  if (resume && !file_exists(checkpoint_path)) {
    // Stopped before its first checkpoint: there is nothing to continue, so it starts again.
    std::fprintf(stderr, "%s has no checkpoint yet: training it from step 0\n", directory.c_str());
    resume = false;
  }

  std::string device_note;
  Device device = resolve_device(config.device, &device_note);
  if (!device_note.empty()) std::fprintf(stderr, "%s\n", device_note.c_str());

  std::unique_ptr<GroundTruthDataset> dataset = make_dataset(config.dataset, config.dataset_options());
  check_model_fits_dataset(config, *dataset, directory + "/config.json");
  InputPipeline inputs(*dataset, config.standardise, config.seed);
  RunStreams streams(config.seed);
  std::unique_ptr<Model> model = make_model(config.model, streams.weights);
  model->to(device);  // before the optimisers, whose moments are made beside the parameters
  Optimisers optimisers;
  optimisers.groups = model->parameter_groups();
  for (const ParameterGroup& group : optimisers.groups) optimisers.adams.emplace_back(group.parameters, group.hyperparameters);

  long long start = 0;
  double seconds_before = 0;
  std::map<std::string, std::string> resumed_metadata;  // the checkpoint's records (the log interval's sums)
  if (resume) {
    Checkpoint checkpoint = load_checkpoint(checkpoint_path);
    const std::string non_finite = first_non_finite_tensor(checkpoint);
    require(non_finite.empty(), checkpoint_path, ": tensor '", non_finite,
            "' holds NaN or infinite values (saved after the training diverged, by an untangle from before "
            "checkpoints were checked); it cannot be continued: train again into another --out");
    checkpoint.restore(model->checkpointed_tensors(), checkpoint_path);
    for (size_t i = 0; i < optimisers.adams.size(); ++i) {
      const std::string prefix = "adam." + optimisers.groups[i].name;
      checkpoint.restore(optimisers.adams[i].state(prefix), checkpoint_path);
      optimisers.adams[i].set_steps_taken(metadata_integer(checkpoint.metadata, prefix + ".steps", checkpoint_path));
    }
    start = metadata_integer(checkpoint.metadata, "step", checkpoint_path);
    // Checked before anything in the directory changes: a run is never shortened, and a finished one is
    // left as it is (its metrics.json was written at this very step).
    require(start <= config.steps, directory, " has trained ", start, " steps already; --steps ", config.steps,
            " would shorten it (give --steps ", start, " or more to continue it)");
    if (start == config.steps && final_outputs_written_at(directory, start)) {
      std::fprintf(stderr,
                   "%s is complete: %lld of %lld steps trained, metrics.json written; nothing to do (a larger "
                   "--steps trains it further; untangle eval --run %s scores it again)\n",
                   directory.c_str(), start, config.steps, directory.c_str());
      TrainingResult finished;
      finished.steps_done = start;
      return finished;
    }
    streams.data.set_counter(metadata_counter(checkpoint.metadata, "rng.data.counter", checkpoint_path));
    streams.noise.set_counter(metadata_counter(checkpoint.metadata, "rng.noise.counter", checkpoint_path));
    seconds_before = std::strtod(metadata(checkpoint, "seconds", checkpoint_path).c_str(), nullptr);
    resumed_metadata = checkpoint.metadata;
    std::fprintf(stderr, "resuming %s at step %lld of %lld\n", directory.c_str(), start, config.steps);
  } else {
    // A run started again after a kill before its first checkpoint: its old log rows are logged again.
    std::remove(log_path.c_str());
    std::remove(metrics_log_path.c_str());
  }
  remove_stale_temporary_files(directory);
  write_run_config(directory + "/config.json", config);
  std::remove(divergence_path(directory).c_str());  // config.json records the lower learning rate now

  const ModelSettings& s = model->settings();
  // Batches are drawn into host tensors and, when training on a GPU, uploaded into device tensors that are
  // reused every step.
  Batch host_batch, batch;
  const int rows = rows_per_input(*model, config.batch);
  host_batch.x = Tensor::zeros({rows, s.channels, s.height, s.width});
  if (model->needs_pairs()) host_batch.x_pair = Tensor::zeros({rows, s.channels, s.height, s.width});
  batch = host_batch;
  if (device != Device::CPU) {
    batch.x = host_batch.x.to(device);
    if (host_batch.x_pair.defined()) batch.x_pair = host_batch.x_pair.to(device);
  }
  auto next_batch = [&](PhiloxRng& rng) {
    draw_batch(*dataset, inputs, *model, config.batch, rng, host_batch);
    batch.pair_labels = host_batch.pair_labels;
    if (device == Device::CPU) return;
    copy_floats(host_batch.x.data(), Device::CPU, batch.x.storage(), device, batch.x.numel());
    if (host_batch.x_pair.defined())
      copy_floats(host_batch.x_pair.data(), Device::CPU, batch.x_pair.storage(), device,
                  batch.x_pair.numel());
  };

  // The log's columns are the model's terms; one throwaway evaluation-mode loss tells their names.
  std::vector<std::string> term_names;
  {
    Tape tape = Tape::evaluation();
    PhiloxRng scratch_data = streams.data, scratch_noise = streams.noise;  // copies: the real streams stay put
    next_batch(scratch_data);
    for (const LoggedTerm& term : model->training_loss(tape, batch, scratch_noise, start).terms)
      term_names.push_back(term.name);
  }
  // Each row holds the terms' means over the steps since the previous row (the console shows one step's).
  std::string header = "step";
  for (const std::string& name : term_names) header += "," + name + "_mean";
  header += ",seconds";
  const std::string metrics_header =
      "step,mig@fast,dci.disentanglement@fast,dci.completeness@fast,dci.informativeness_test@fast";
  if (resume) {
    keep_log_rows_up_to(log_path, start, header);
    keep_log_rows_up_to(metrics_log_path, start, metrics_header);
  }
  CsvLog log(log_path, header);
  std::unique_ptr<CsvLog> metrics_log;
  const std::vector<std::string> fast_metrics = {"mig", "dci"};
  // Each score column names the sample sizes that made it ("@fast": metrics/evaluate.h kFastSizes).
  if (config.eval_every > 0) metrics_log = std::make_unique<CsvLog>(metrics_log_path, metrics_header);

  std::fprintf(stderr, "training %s on %s: %zu parameters, batch %d, steps %lld, seed %llu, %s\n", s.model.c_str(),
               dataset->name().c_str(), model->parameters().total_values(), config.batch, config.steps, config.seed,
               device_name(device));
  ProgressReporter progress("train", start, config.steps);
  LogInterval interval = restore_log_interval(resumed_metadata, term_names, directory + "/checkpoint.utg");
  const auto clock_start = std::chrono::steady_clock::now();
  auto seconds_now = [&] {
    return seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
  };
  TrainingResult result;
  result.steps_done = start;
  // A loss term, a weight or an Adam moment that is not finite stops the run: the last good checkpoint is
  // kept, and DIR/diverged.json makes --resume ask for a lower learning rate (divergence.h).
  long long last_checkpoint_step = resume ? start : 0;
  // `what` is the message's sentence, `cause` its short form for diverged.json.
  auto stop_diverged = [&](long long step, const std::string& what, const std::string& cause) {
    progress.interrupt();
    const double learning_rate = config.model.optimizer.learning_rate;
    write_divergence(directory, {step, cause, learning_rate, last_checkpoint_step});
    const double lower = std::isfinite(learning_rate) && learning_rate > 0 ? learning_rate / 10 : 1e-4;
    const std::string kept =
        last_checkpoint_step > 0
            ? "The last good checkpoint is kept (step " + std::to_string(last_checkpoint_step) + "): " +
                  checkpoint_path + "; continue it with a lower learning rate: untangle train --resume --out " +
                  directory + " --lr " + number_text(lower)
            : std::string("No checkpoint was written before it; start again with a lower --lr.");
    std::fprintf(stderr, "train: error: %s; stopping. %s\n", what.c_str(), kept.c_str());
    result.stopped_on_non_finite_loss = true;
  };

  // A step's logged terms (and its objective, to check it is finite) are read only when a log row, a
  // checkpoint or an evaluation needs them, or every `read_every` steps: on a GPU, reading waits for the
  // queued steps to finish, so the steps in between are queued without waiting. Each step's values are
  // copied (on its device) into one row of `unread_values`, read back with one copy. On the CPU they are
  // read every step (free there). A checkpoint is written only after its steps were read, so a non-finite
  // loss never reaches one.
  const long long read_every =
      device == Device::CPU ? 1 : std::max<long long>(1, std::min(config.log_every, 50LL));
  const size_t columns = 1 + term_names.size();  // the objective, then the terms
  Tensor unread_values = Tensor::zeros({int(read_every), int(columns)}, device);
  std::vector<long long> unread_steps;
  auto keep_values = [&](long long step, const TrainingLoss& loss) {
    require(loss.terms.size() == term_names.size(), "train: the model logged ", loss.terms.size(),
            " terms at step ", step + 1, " instead of ", term_names.size());
    float* row = unread_values.storage() + unread_steps.size() * columns;
    // A term may live on the host even when training on a GPU (a value computed there, logged_value()).
    copy_floats(loss.objective.storage(), loss.objective.device(), row, device, 1);
    for (size_t i = 0; i < loss.terms.size(); ++i)
      copy_floats(loss.terms[i].value.storage(), loss.terms[i].value.device(), row + 1 + i, device, 1);
    unread_steps.push_back(step);
  };
  // Reads the unread steps in order; false (after reporting it) at the first non-finite loss.
  auto read_terms = [&]() -> bool {
    const std::vector<float> values = unread_values.to_vector();
    for (size_t r = 0; r < unread_steps.size(); ++r) {
      const float* row = values.data() + r * columns;
      std::string cause, all_terms;  // the terms that are not finite; every term
      for (size_t i = 0; i < term_names.size(); ++i) {
        const std::string term = term_names[i] + " = " + number_text(row[1 + i]);
        if (!std::isfinite(row[1 + i])) cause += (cause.empty() ? "" : ", ") + term;
        all_terms += (all_terms.empty() ? "" : ", ") + term;
      }
      if (cause.empty() && !std::isfinite(row[0])) cause = "the objective = " + number_text(row[0]);
      if (!cause.empty()) {
        const long long step = unread_steps[r] + 1;
        stop_diverged(step,
                      "the loss is not finite at step " + std::to_string(step) + " (" + cause + "; all terms: " +
                          all_terms + ")",
                      cause);
        return false;
      }
      for (size_t i = 0; i < term_names.size(); ++i) interval.sums[i] += row[1 + i];
      ++interval.steps;
      std::vector<std::pair<std::string, double>> shown;  // this step's values, labelled as such
      for (size_t i = 0; i < term_names.size() && i < 3; ++i)
        shown.emplace_back(i == 0 ? "this step: " + term_names[i] : term_names[i], row[1 + i]);
      progress.update(unread_steps[r] + 1, shown);
    }
    unread_steps.clear();
    return true;
  };

  // On a GPU the steady-state step is one CUDA graph (nn/graphed_step.h), captured after one ordinary step.
  std::unique_ptr<GraphedTrainingStep> graphed;
  bool capture_pending = device == Device::CUDA && config.cuda_graph && model->can_capture_step();

  const StopOnSignals stop;  // Ctrl-C or a scheduler's SIGTERM: checkpoint at the next step's end, then return
  for (long long step = start; step < config.steps; ++step) {
    next_batch(streams.data);
    if (capture_pending && step > start) {
      capture_pending = false;
      try {
        graphed = std::make_unique<GraphedTrainingStep>(*model, optimisers.adams, batch, streams.noise, step);
        result.cuda_graph_used = true;
        std::fprintf(stderr, "cuda graph: the training step is captured (%zu operations per replay)\n",
                     graphed->kernel_count());
      } catch (const std::exception& e) {
        std::fprintf(stderr, "cuda graph: not used (%s); steps run kernel by kernel\n", e.what());
      }
    }
    if (graphed)
      keep_values(step, graphed->run());  // copied before the next replay overwrites them
    else
      keep_values(step, training_step(*model, optimisers.adams, batch, streams.noise, step));
    const long long done = step + 1;

    const bool log_row = done % config.log_every == 0 || done == config.steps;
    const bool evaluate_now = metrics_log && done % config.eval_every == 0;
    // A requested stop (SIGINT, SIGTERM) reads the step's values and checkpoints it like any checkpoint step.
    const bool stopping = stop.requested() && done < config.steps;
    const bool checkpoint_now = done % config.checkpoint_every == 0 || done == config.steps || stopping;
    if (done % read_every == 0 || log_row || evaluate_now || checkpoint_now) {
      if (!read_terms()) return result;
      result.steps_done = done;
    }

    if (log_row) {
      std::string row = std::to_string(done);
      for (double sum : interval.sums) row += "," + number_text(sum / double(interval.steps));
      log.row(row + "," + number_text(seconds_now()));
      std::fill(interval.sums.begin(), interval.sums.end(), 0.0);
      interval.steps = 0;
      kill_point("log_row");
    }
    if (evaluate_now) {
      MetricScores scores = evaluate(*model, *dataset, inputs, fast_metrics, kFastSizes, config.seed + uint64_t(done));
      std::map<std::string, double> named(scores.begin(), scores.end());
      metrics_log->row(std::to_string(done) + "," + number_text(named["mig"]) + "," +
                       number_text(named["dci.disentanglement"]) + "," + number_text(named["dci.completeness"]) + "," +
                       number_text(named["dci.informativeness_test"]));
    }
    if (checkpoint_now) {
      Checkpoint checkpoint = make_checkpoint(*model, optimisers, done, streams, seconds_now());
      // A finite loss can still come with an update that overflowed: such a state is never saved.
      const std::string non_finite = first_non_finite_tensor(checkpoint);
      if (!non_finite.empty()) {
        stop_diverged(done,
                      "the update of step " + std::to_string(done) + " made '" + non_finite +
                          "' non-finite (its loss was finite)",
                      "the update made '" + non_finite + "' non-finite");
        return result;
      }
      save_log_interval(interval, term_names, checkpoint);
      save_checkpoint(checkpoint_path, checkpoint);
      last_checkpoint_step = done;
      kill_point("checkpoint");
    }
    if (stopping) {
      progress.interrupt();
      std::fprintf(stderr,
                   "train: %s at step %lld of %lld: stopped, checkpoint written. Continue with:\n"
                   "  untangle train --resume --out %s\n",
                   stop.signal_name(), done, config.steps, directory.c_str());
      result.stopped_by_signal = stop.requested();
      return result;
    }
  }

  // Figures and the final metrics.
  kill_point("final_evaluation");
  PhiloxRng figure_rng = streams.evaluation.split(1);
  if (model->has_decoder()) {
    write_reconstruction_figure(directory + "/reconstructions.png", *model, *dataset, inputs, figure_rng);
    const std::vector<double> kl = latent_kl(*model, *dataset, inputs, figure_rng, 256);
    write_traversal_figure(directory + "/traversals.png", *model, *dataset, inputs, kl, figure_rng);
  } else {
    std::fprintf(stderr, "figures: %s has no decoder, so reconstructions.png and traversals.png are skipped\n",
                 s.model.c_str());
  }
  std::vector<std::string> final_metrics = split_list(config.final_metrics);
  JsonObject metrics_json;
  metrics_json.add("step", result.steps_done).add("metric_sizes", config.final_metric_sizes);
  if (!final_metrics.empty()) {
    EvaluationRequest request;
    request.metrics = final_metrics;
    request.sizes = config.final_metric_sizes == "fast" ? kFastSizes : kReferenceSizes;
    request.seed = config.seed;
    metrics_json.add("metric_points", describe_plan(plan_metrics(request)));
    for (const auto& [name, value] : evaluate_model_with_progress("final metrics", *model, *dataset, inputs, request))
      metrics_json.add(name, value);
  }
  const std::map<std::string, double> maxima = column_maxima(metrics_log_path);
  if (!maxima.empty()) metrics_json.add("max_during_training_sizes", "fast");
  for (const auto& [name, value] : maxima) metrics_json.add("max_during_training." + name, value);
  // The over-pruning filter's input (Zietlow et al. §5.3), part of the final evaluation (a run without
  // final metrics skips it too): fast sizes use 2,000 observations, reference 10,000.
  if (!final_metrics.empty())
    add_active_units(metrics_json, model_active_units(*model, *dataset, inputs,
                                                      config.final_metric_sizes == "fast" ? 2000 : 10000, config.seed));
  write_file_atomically(directory + "/metrics.json", metrics_json.str(2) + "\n");
  std::fprintf(stderr, "done: %s/{config.json, train_log.csv, checkpoint.utg, metrics.json%s}\n", directory.c_str(),
               model->has_decoder() ? ", reconstructions.png, traversals.png" : "");
  return result;
}

}  // namespace untangle
