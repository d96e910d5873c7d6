#include "apps/common/trainer.h"

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "apps/common/figures.h"
#include "apps/common/json.h"
#include "apps/common/metric_progress.h"
#include "apps/common/progress.h"
#include "apps/common/stop_signals.h"
#include "apps/common/trained_run.h"
#include "data/registry.h"
#include "data/samplers.h"
#include "kernels/check.h"
#include "kernels/device.h"
#include "kernels/file_io.h"
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

// Keeps the header and the rows whose first column (a step) is at most `last_step`: on resume, the rows a
// crashed run logged after its last checkpoint are dropped, since they will be logged again.
void keep_log_rows_up_to(const std::string& path, long long last_step) {
  if (!std::filesystem::exists(path)) return;
  std::ifstream in(path);
  std::string line, kept;
  bool header = true;
  while (std::getline(in, line)) {
    if (header || std::stoll(line.substr(0, line.find(','))) <= last_step) kept += line + "\n";
    header = false;
  }
  write_file_atomically(path, kept);
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

// An append-only CSV log with a header written when the file is new.
class CsvLog {
 public:
  CsvLog(const std::string& path, const std::string& header) {
    const bool fresh = !file_exists(path);
    file_ = std::fopen(path.c_str(), "a");
    require(file_ != nullptr, path, ": cannot open for appending");
    if (fresh) row(header);
  }
  ~CsvLog() { std::fclose(file_); }
  void row(const std::string& line) {
    std::fprintf(file_, "%s\n", line.c_str());
    std::fflush(file_);
  }

 private:
  FILE* file_;
};

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
  if (resume) {
    Checkpoint checkpoint = load_checkpoint(checkpoint_path);
    checkpoint.restore(model->checkpointed_tensors(), checkpoint_path);
    for (size_t i = 0; i < optimisers.adams.size(); ++i) {
      const std::string prefix = "adam." + optimisers.groups[i].name;
      checkpoint.restore(optimisers.adams[i].state(prefix), checkpoint_path);
      optimisers.adams[i].set_steps_taken(std::stoll(metadata(checkpoint, prefix + ".steps", checkpoint_path)));
    }
    start = std::stoll(metadata(checkpoint, "step", checkpoint_path));
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
    streams.data.set_counter(std::stoull(metadata(checkpoint, "rng.data.counter", checkpoint_path)));
    streams.noise.set_counter(std::stoull(metadata(checkpoint, "rng.noise.counter", checkpoint_path)));
    seconds_before = std::strtod(metadata(checkpoint, "seconds", checkpoint_path).c_str(), nullptr);
    keep_log_rows_up_to(log_path, start);
    keep_log_rows_up_to(metrics_log_path, start);
    std::fprintf(stderr, "resuming %s at step %lld of %lld\n", directory.c_str(), start, config.steps);
  }
  write_run_config(directory + "/config.json", config);

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
  std::string header = "step";
  for (const std::string& name : term_names) header += "," + name;
  CsvLog log(log_path, header + ",seconds");
  std::unique_ptr<CsvLog> metrics_log;
  const std::vector<std::string> fast_metrics = {"mig", "dci"};
  // Each score column names the sample sizes that made it ("@fast": metrics/evaluate.h kFastSizes).
  if (config.eval_every > 0)
    metrics_log = std::make_unique<CsvLog>(
        metrics_log_path, "step,mig@fast,dci.disentanglement@fast,dci.completeness@fast,dci.informativeness_test@fast");

  std::fprintf(stderr, "training %s on %s: %zu parameters, batch %d, steps %lld, seed %llu, %s\n", s.model.c_str(),
               dataset->name().c_str(), model->parameters().total_values(), config.batch, config.steps, config.seed,
               device_name(device));
  ProgressReporter progress("train", start, config.steps);
  std::vector<double> interval_sums(term_names.size(), 0.0);
  long long interval_steps = 0;
  const auto clock_start = std::chrono::steady_clock::now();
  auto seconds_now = [&] {
    return seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_start).count();
  };
  TrainingResult result;
  result.steps_done = start;

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
      bool finite = true;
      for (size_t c = 0; c < columns; ++c) finite = finite && std::isfinite(row[c]);
      if (!finite) {
        progress.interrupt();
        std::string text;
        for (size_t i = 0; i < term_names.size(); ++i)
          text += " " + term_names[i] + "=" + number_text(row[1 + i]);
        std::fprintf(stderr, "train: error: the loss is not finite at step %lld (%s); stopping. %s\n",
                     unread_steps[r] + 1, text.c_str(),
                     file_exists(checkpoint_path)
                         ? ("The last good checkpoint is kept: " + checkpoint_path).c_str()
                         : "No checkpoint was written before it.");
        return false;
      }
      for (size_t i = 0; i < term_names.size(); ++i) interval_sums[i] += row[1 + i];
      ++interval_steps;
      std::vector<std::pair<std::string, double>> shown;
      for (size_t i = 0; i < term_names.size() && i < 3; ++i) shown.emplace_back(term_names[i], row[1 + i]);
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
      if (!read_terms()) {
        result.stopped_on_non_finite_loss = true;
        return result;
      }
      result.steps_done = done;
    }

    if (log_row) {
      std::string row = std::to_string(done);
      for (double sum : interval_sums) row += "," + number_text(sum / double(interval_steps));
      log.row(row + "," + number_text(seconds_now()));
      std::fill(interval_sums.begin(), interval_sums.end(), 0.0);
      interval_steps = 0;
    }
    if (evaluate_now) {
      MetricScores scores = evaluate(*model, *dataset, inputs, fast_metrics, kFastSizes, config.seed + uint64_t(done));
      std::map<std::string, double> named(scores.begin(), scores.end());
      metrics_log->row(std::to_string(done) + "," + number_text(named["mig"]) + "," +
                       number_text(named["dci.disentanglement"]) + "," + number_text(named["dci.completeness"]) + "," +
                       number_text(named["dci.informativeness_test"]));
    }
    if (checkpoint_now)
      save_checkpoint(checkpoint_path, make_checkpoint(*model, optimisers, done, streams, seconds_now()));
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
  PhiloxRng figure_rng = streams.evaluation.split(1);
  if (model->has_decoder()) {
    write_reconstruction_figure(directory + "/reconstructions.png", *model, *dataset, inputs, figure_rng);
    write_traversal_figure(directory + "/traversals.png", *model, *dataset, inputs, figure_rng);
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
