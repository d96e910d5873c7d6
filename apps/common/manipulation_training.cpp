#include "apps/common/manipulation_training.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <tuple>
#include <utility>

#include "apps/common/csv_log.h"
#include "apps/common/json.h"
#include "apps/common/progress.h"
#include "apps/common/trained_run.h"
#include "apps/common/trainer.h"
#include "core/check.h"
#include "core/file_io.h"
#include "data/samplers.h"
#include "kernels/device.h"
#include "nn/adam.h"
#include "nn/checkpoint.h"
#include "nn/manipulation_network.h"

namespace untangle {

namespace {

// One pretrained β-VAE: its encoder is used frozen, its decoder keeps training.
struct PretrainedPair {
  TrainedRun run;
  ParameterList decoder;  // the run's "decoder.*" parameters
  std::unique_ptr<Adam> adam;
};

std::vector<PretrainedPair> load_side(const std::vector<std::string>& directories, Device device,
                                      const AdamHyperparameters& hyperparameters) {
  std::vector<PretrainedPair> side;
  for (const std::string& directory : directories) {
    PretrainedPair pair;
    pair.run = load_trained_run(directory);
    const RunConfig& c = pair.run.config;
    require(!c.standardise, directory,
            ": the manipulation is trained on unstandardised images; this run standardises");
    require(c.model.reconstruction.kind != ReconstructionKind::MseBoxBlur, directory,
            ": the manipulation supports the bernoulli and mse losses, not mse_box");
    require(c.noise == 0.0f && c.manipulation.empty(), directory,
            ": the pretrained runs must be on the clean data");
    require(pair.run.model->has_decoder(), directory, ": model '", c.model.model, "' has no decoder");
    pair.run.model->to(device);
    const ParameterList parameters = pair.run.model->parameters();  // items() of a temporary would dangle
    for (const NamedTensor& item : parameters.items())
      if (item.name.rfind("decoder.", 0) == 0) pair.decoder.add(item.name, item.tensor);
    pair.adam = std::make_unique<Adam>(pair.decoder, hyperparameters);
    side.push_back(std::move(pair));
  }
  return side;
}

// The run's reconstruction loss of `output` against `target`, where the target may carry a gradient
// (ops.h's bce_with_logits gives none to its targets): Bernoulli as softplus(l) - l t, whose derivative
// in t is -l; MSE through the mse op, which differentiates both sides. Reduced as the run's setting.
Tensor loss_against_target(Tape& tape, const Tensor& output, const Tensor& target,
                           const ReconstructionSettings& s) {
  Tensor per_element = s.kind == ReconstructionKind::Bernoulli
                           ? sub(tape, softplus(tape, output), mul(tape, output, target))
                           : mse(tape, output, target, Reduction::None);
  if (s.reduction == LossReduction::Mean) return mean(tape, per_element);
  return scale(tape, sum(tape, per_element), 1.0f / float(output.dim(0)));
}

// x: (B, ...) -> (times*B, ...): the rows repeated `times` times, block after block.
Tensor repeat_rows(Tape& tape, const Tensor& x, int times) {
  return concat(tape, std::vector<Tensor>(size_t(times), x), 0);
}

// Codes of `samples` latent samples per image of x under the frozen encoder: (samples*B, D), no gradient.
Tensor frozen_samples(const PretrainedPair& pair, const Tensor& x, int samples, PhiloxRng& noise) {
  Tape constant = Tape::evaluation();
  GaussianCode code = pair.run.model->encode(constant, x);
  GaussianCode repeated{repeat_rows(constant, code.mean, samples),
                        repeat_rows(constant, code.log_variance, samples)};
  return sample_gaussian(constant, repeated, noise);
}

// The mean over a side's models of their reconstruction loss of `target` (repeated per sample).
// decoders_learn: the decoder ops are recorded (their update); otherwise the outputs are constants and
// only the target's path is differentiated (m's update).
Tensor side_loss(Tape& tape, const std::vector<PretrainedPair>& side, const Tensor& x, const Tensor& target,
                 int samples, PhiloxRng& noise, bool decoders_learn) {
  Tensor total;
  Tensor targets = repeat_rows(tape, target, samples);
  for (const PretrainedPair& pair : side) {
    Tensor z = frozen_samples(pair, x, samples, noise);
    Tape constant = Tape::evaluation();
    Tensor output = decoders_learn ? pair.run.model->decode(tape, z) : pair.run.model->decode(constant, z);
    Tensor loss = loss_against_target(tape, output, targets, pair.run.config.model.reconstruction);
    total = total.defined() ? add(tape, total, loss) : loss;
  }
  return scale(tape, total, 1.0f / float(side.size()));
}

struct FactorBatch {  // images and the factors they were rendered from
  Tensor x;           // (B, C, H, W) clean images in [0, 1]
  Tensor w;           // (B, K) factor values in [0, 1]
};

FactorBatch draw(const GroundTruthDataset& dataset, int count, PhiloxRng& rng, Device device) {
  const std::vector<size_t> indices = sample_uniform_indices(dataset, size_t(count), rng);
  Tensor x = Tensor::zeros({count, int(dataset.channels()), int(dataset.height()), int(dataset.width())});
  dataset.render_batch(indices, x.data());
  std::vector<std::vector<size_t>> factors;
  for (size_t index : indices) factors.push_back(dataset.index_to_factors(index));
  return {x.to(device), factor_values(factors, dataset.factor_sizes()).to(device)};
}

ParameterList network_parameters(const ManipulationNetwork& network) {
  ParameterList list;
  network.collect(list, "manipulation");
  return list;
}

// Both sides' losses on the fixed evaluation batch: on x' = manipulate(x, m(w)) when `network` is given,
// on x otherwise. Losses are values (no gradient), averaged over samples and the side's models.
std::pair<double, double> evaluation_losses(const std::vector<PretrainedPair>& entangled,
                                            const std::vector<PretrainedPair>& disentangled,
                                            const FactorBatch& batch, const ManipulationNetwork* network,
                                            float epsilon, int samples, unsigned long long seed) {
  Tape tape = Tape::evaluation();
  Tensor target = network ? manipulate(tape, batch.x, network->forward(tape, batch.w), epsilon) : batch.x;
  PhiloxRng noise = PhiloxRng(seed).split(9);  // the same samples every time the summary is computed
  const double ent = side_loss(tape, entangled, batch.x, target, samples, noise, false).item();
  const double dis = side_loss(tape, disentangled, batch.x, target, samples, noise, false).item();
  return {ent, dis};
}

std::string number_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
}

void check_settings(const ManipulationTrainingSettings& settings,
                    const std::vector<std::string>& entangled_runs,
                    const std::vector<std::string>& disentangled_runs) {
  require(!entangled_runs.empty() && !disentangled_runs.empty(),
          "manipulation: needs at least one entangled and one disentangled run");
  require(settings.steps >= 1 && settings.batch >= 1 && settings.decoder_batches_per_step >= 0 &&
              settings.latent_samples >= 1 && settings.log_every >= 1 && settings.checkpoint_every >= 1,
          "manipulation: steps, batch, latent samples, log and checkpoint intervals must be positive");
  require(settings.epsilon > 0.0f && settings.epsilon <= 1.0f, "manipulation: epsilon must be in (0, 1]");
}

// Every run must be on the same data; the dataset is rebuilt from the first run's configuration.
const GroundTruthDataset& shared_dataset(const std::vector<PretrainedPair>& entangled,
                                         const std::vector<PretrainedPair>& disentangled) {
  const RunConfig& first = entangled.front().run.config;
  for (const auto* side : {&entangled, &disentangled})
    for (const PretrainedPair& pair : *side)
      require(pair.run.config.dataset == first.dataset && pair.run.config.data_file == first.data_file &&
                  pair.run.config.spacing == first.spacing,
              pair.run.directory, ": trained on other data than ", entangled.front().run.directory);
  const GroundTruthDataset& dataset = *entangled.front().run.dataset;
  require(dataset.height() == 64 && dataset.width() == 64, "manipulation: the network renders 64x64 images");
  return dataset;
}

// What the manipulation trains: m (the network, on `device`, and its Adam) and the two sides' decoders,
// with the data and noise streams they draw from.
struct ManipulationParts {
  ManipulationParts(std::vector<PretrainedPair> entangled_side, std::vector<PretrainedPair> disentangled_side,
                    const AdamHyperparameters& adam, unsigned long long seed, Device device)
      : entangled(std::move(entangled_side)),
        disentangled(std::move(disentangled_side)),
        dataset(shared_dataset(entangled, disentangled)),
        weights(PhiloxRng(seed).split(1)),
        data(PhiloxRng(seed).split(2)),
        noise(PhiloxRng(seed).split(3)),
        network(int(dataset.num_factors()), int(dataset.channels()), weights),
        m_parameters(network_parameters(network)),
        m_adam(on_device(m_parameters, device), adam) {}

  // Every trained tensor and optimiser moment, under one name each, for the state file.
  ParameterList state_tensors() {
    ParameterList all = m_parameters;
    all.append(m_adam.state("adam.manipulation"));
    int k = 0;
    for (auto* side : {&entangled, &disentangled})
      for (PretrainedPair& pair : *side) {
        const std::string prefix = "pair" + std::to_string(k++);
        for (const NamedTensor& item : pair.decoder.items()) all.add(prefix + "." + item.name, item.tensor);
        all.append(pair.adam->state("adam." + prefix));
      }
    return all;
  }

  std::vector<PretrainedPair> entangled, disentangled;
  const GroundTruthDataset& dataset;
  PhiloxRng weights, data, noise;
  ManipulationNetwork network;
  ParameterList m_parameters;
  Adam m_adam;

 private:
  static const ParameterList& on_device(const ParameterList& parameters, Device device) {
    for (const NamedTensor& item : parameters.items()) item.tensor.move_to(device);
    return parameters;
  }
};

// Restores the state file when there is one: the step to continue from (0 without one).
long long restore_state(ManipulationParts& parts, const std::string& state_path, const std::string& log_path,
                        long long steps) {
  if (!std::filesystem::exists(state_path)) return 0;
  Checkpoint state = load_checkpoint(state_path);
  state.restore(parts.state_tensors(), state_path);
  const long long start = metadata_integer(state.metadata, "step", state_path);
  parts.data.set_counter(metadata_counter(state.metadata, "rng.data", state_path));
  parts.noise.set_counter(metadata_counter(state.metadata, "rng.noise", state_path));
  parts.m_adam.set_steps_taken(metadata_integer(state.metadata, "adam.steps.manipulation", state_path));
  const long long decoder_steps = metadata_integer(state.metadata, "adam.steps.decoders", state_path);
  for (auto* side : {&parts.entangled, &parts.disentangled})
    for (PretrainedPair& pair : *side) pair.adam->set_steps_taken(decoder_steps);
  keep_log_rows_up_to(log_path, start);
  std::fprintf(stderr, "manipulation: resuming at step %lld of %lld\n", start, steps);
  return start;
}

void save_state(ManipulationParts& parts, const std::string& state_path, long long done) {
  Checkpoint state;
  state.add(parts.state_tensors());
  state.metadata["step"] = std::to_string(done);
  state.metadata["rng.data"] = std::to_string(parts.data.counter());
  state.metadata["rng.noise"] = std::to_string(parts.noise.counter());
  state.metadata["adam.steps.manipulation"] = std::to_string(parts.m_adam.steps_taken());
  state.metadata["adam.steps.decoders"] = std::to_string(parts.entangled.front().adam->steps_taken());
  save_checkpoint(state_path, state);
}

// The pretrained decoders' losses on the clean evaluation batch: computed at step 0 into
// DIR/pretrained_losses.txt (the decoders change afterwards), read back from there.
std::pair<double, double> pretrained_losses(const ManipulationParts& parts, const FactorBatch& evaluation,
                                            const ManipulationTrainingSettings& settings,
                                            const std::string& directory, long long start) {
  if (start == 0) {
    const auto [ent, dis] = evaluation_losses(parts.entangled, parts.disentangled, evaluation, nullptr,
                                              settings.epsilon, settings.latent_samples, settings.seed);
    write_file_atomically(directory + "/pretrained_losses.txt",
                          number_text(ent) + " " + number_text(dis) + "\n");
  }
  std::pair<double, double> losses;
  std::ifstream in(directory + "/pretrained_losses.txt");
  require(bool(in >> losses.first >> losses.second), directory,
          "/pretrained_losses.txt: missing or damaged (delete the directory to start over)");
  return losses;
}

// The decoders follow the current m on fresh batches (m held fixed: its output is a constant here).
void train_decoders(ManipulationParts& parts, const ManipulationTrainingSettings& settings, Device device) {
  const int samples = settings.latent_samples;
  for (int d = 0; d < settings.decoder_batches_per_step; ++d) {
    FactorBatch batch = draw(parts.dataset, settings.batch, parts.data, device);
    Tensor target;
    {
      Tape constant = Tape::evaluation();
      target = manipulate(constant, batch.x, parts.network.forward(constant, batch.w), settings.epsilon);
    }
    Tape tape;
    Tensor loss = add(tape, side_loss(tape, parts.entangled, batch.x, target, samples, parts.noise, true),
                      side_loss(tape, parts.disentangled, batch.x, target, samples, parts.noise, true));
    tape.backward(loss);
    for (auto* side : {&parts.entangled, &parts.disentangled})
      for (PretrainedPair& pair : *side) {
        pair.adam->step();
        pair.adam->zero_grad();
      }
  }
}

struct ManipulationLosses {
  double m = 0, entangled = 0, disentangled = 0;  // m's loss is entangled - disentangled
};

// One update of m: cheaper for the entangled decoders, dearer for the disentangled ones.
ManipulationLosses train_m(ManipulationParts& parts, const ManipulationTrainingSettings& settings,
                           Device device, long long step, const std::string& state_path) {
  const int samples = settings.latent_samples;
  FactorBatch batch = draw(parts.dataset, settings.batch, parts.data, device);
  Tape tape;
  Tensor target = manipulate(tape, batch.x, parts.network.forward(tape, batch.w), settings.epsilon);
  Tensor ent = side_loss(tape, parts.entangled, batch.x, target, samples, parts.noise, false);
  Tensor dis = side_loss(tape, parts.disentangled, batch.x, target, samples, parts.noise, false);
  Tensor loss = sub(tape, ent, dis);
  const ManipulationLosses losses{loss.item(), ent.item(), dis.item()};
  require(std::isfinite(losses.m), "manipulation: the loss is not finite at step ", step + 1,
          "; the last good state is kept in ", state_path);
  tape.backward(loss);
  parts.m_adam.step();
  parts.m_adam.zero_grad();
  return losses;
}

// Steps `start` to settings.steps, with a log row (the means since the previous row) every log_every
// steps and the state file every checkpoint_every steps.
void run_steps(ManipulationParts& parts, const ManipulationTrainingSettings& settings, Device device,
               const std::string& directory, long long start) {
  const std::string state_path = directory + "/manipulation_state.utg",
                    log_path = directory + "/manipulation_log.csv";
  const std::string log_header =
      "step,manipulation_loss,entangled_reconstruction,disentangled_reconstruction";
  if (start == 0) write_file_atomically(log_path, log_header + "\n");
  std::fprintf(
      stderr,
      "manipulation: %zu entangled + %zu disentangled model(s) on %s, eps %g, %lld steps of batch %d "
      "(%d decoder batches each, %d latent samples per image)\n",
      parts.entangled.size(), parts.disentangled.size(), parts.dataset.name().c_str(),
      double(settings.epsilon), settings.steps, settings.batch, settings.decoder_batches_per_step,
      settings.latent_samples);
  ProgressReporter progress("manipulation", start, settings.steps);
  ManipulationLosses interval;  // sums since the previous row
  long long interval_steps = 0;
  for (long long step = start; step < settings.steps; ++step) {
    train_decoders(parts, settings, device);
    const ManipulationLosses losses = train_m(parts, settings, device, step, state_path);
    const long long done = step + 1;
    interval.m += losses.m, interval.entangled += losses.entangled,
        interval.disentangled += losses.disentangled;
    ++interval_steps;
    progress.update(done, {{"m_loss", losses.m}, {"ent", losses.entangled}, {"dis", losses.disentangled}});
    if (done % settings.log_every == 0 || done == settings.steps) {
      const double n = double(interval_steps);
      CsvLog(log_path, log_header)
          .row(std::to_string(done) + "," + number_text(interval.m / n) + "," +
               number_text(interval.entangled / n) + "," + number_text(interval.disentangled / n));
      interval = {}, interval_steps = 0;
    }
    if (done % settings.checkpoint_every == 0 || done == settings.steps) save_state(parts, state_path, done);
  }
}

// max and mean |x' - x| over the evaluation batch.
void measure_perturbation(const ManipulationParts& parts, const FactorBatch& evaluation, float epsilon,
                          ManipulationSummary& summary) {
  Tape tape = Tape::evaluation();
  const std::vector<float> clean = evaluation.x.to_vector();
  const std::vector<float> modified =
      manipulate(tape, evaluation.x, parts.network.forward(tape, evaluation.w), epsilon).to_vector();
  for (size_t i = 0; i < clean.size(); ++i) {
    const double difference = std::fabs(double(modified[i]) - double(clean[i]));
    summary.max_abs_perturbation = std::max(summary.max_abs_perturbation, difference);
    summary.mean_abs_perturbation += difference / double(clean.size());
  }
}

// DIR/manipulation.utg: the trained m with what it was trained on.
void save_network(const ManipulationParts& parts, const ManipulationTrainingSettings& settings,
                  const std::vector<std::string>& entangled_runs,
                  const std::vector<std::string>& disentangled_runs, const std::string& directory) {
  for (const NamedTensor& item : parts.m_parameters.items()) item.tensor.move_to(Device::CPU);
  ManipulationInfo info;
  info.dataset = parts.dataset.name();
  info.factor_sizes = parts.dataset.factor_sizes();
  info.channels = int(parts.dataset.channels());
  info.epsilon = settings.epsilon;
  std::string runs;
  for (const auto& list : {entangled_runs, disentangled_runs})
    for (const std::string& r : list) runs += (runs.empty() ? "" : ", ") + r;
  info.description = "Zietlow et al. manipulation, " + std::to_string(settings.steps) + " steps of batch " +
                     std::to_string(settings.batch) + " against entangled/disentangled runs: " + runs;
  save_manipulation(directory + "/manipulation.utg", parts.network, info);
}

// DIR/manipulation.json, the finished marker (read_manipulation_summary reads it).
void write_summary(const ManipulationSummary& summary, const ManipulationParts& parts,
                   const ManipulationTrainingSettings& settings, const std::string& directory) {
  JsonObject json;
  json.add("steps", summary.steps).add("epsilon", double(settings.epsilon)).add("batch", settings.batch);
  json.add("entangled_models", (long long)parts.entangled.size())
      .add("disentangled_models", (long long)parts.disentangled.size());
  json.add("entangled_reconstruction_original", summary.entangled_original)
      .add("disentangled_reconstruction_original", summary.disentangled_original)
      .add("entangled_reconstruction_modified", summary.entangled_modified)
      .add("disentangled_reconstruction_modified", summary.disentangled_modified)
      .add("max_abs_perturbation", summary.max_abs_perturbation)
      .add("mean_abs_perturbation", summary.mean_abs_perturbation);
  write_file_atomically(directory + "/manipulation.json", json.str(2) + "\n");
}

}  // namespace

bool manipulation_finished(const std::string& directory) {
  struct stat info;
  return stat((directory + "/manipulation.json").c_str(), &info) == 0;
}

ManipulationSummary read_manipulation_summary(const std::string& directory) {
  const std::string path = directory + "/manipulation.json";
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  const std::map<std::string, std::string> fields =
      parse_flat_json(std::string(bytes.begin(), bytes.end()), path);
  auto number = [&](const char* key) {
    auto it = fields.find(key);
    require(it != fields.end(), path, ": no '", key, "'");
    return std::strtod(it->second.c_str(), nullptr);
  };
  ManipulationSummary summary;
  summary.steps = (long long)number("steps");
  summary.entangled_original = number("entangled_reconstruction_original");
  summary.disentangled_original = number("disentangled_reconstruction_original");
  summary.entangled_modified = number("entangled_reconstruction_modified");
  summary.disentangled_modified = number("disentangled_reconstruction_modified");
  summary.max_abs_perturbation = number("max_abs_perturbation");
  summary.mean_abs_perturbation = number("mean_abs_perturbation");
  return summary;
}

ManipulationSummary train_manipulation(const ManipulationTrainingSettings& settings,
                                       const std::vector<std::string>& entangled_runs,
                                       const std::vector<std::string>& disentangled_runs,
                                       const std::string& directory) {
  check_settings(settings, entangled_runs, disentangled_runs);
  std::filesystem::create_directories(directory);
  if (manipulation_finished(directory)) return read_manipulation_summary(directory);
  const Device device = resolve_device(settings.device, nullptr);
  const AdamHyperparameters adam{settings.learning_rate, 0.9f, 0.999f, 1e-7f};  // appendix B.1
  std::vector<PretrainedPair> entangled = load_side(entangled_runs, device, adam);
  ManipulationParts parts(std::move(entangled), load_side(disentangled_runs, device, adam), adam,
                          settings.seed, device);
  const long long start = restore_state(parts, directory + "/manipulation_state.utg",
                                        directory + "/manipulation_log.csv", settings.steps);

  // The fixed evaluation batch (its own stream) and the pretrained decoders' losses on the clean data.
  PhiloxRng evaluation_rng = PhiloxRng(settings.seed).split(4);
  const FactorBatch evaluation = draw(parts.dataset, settings.evaluation_batch, evaluation_rng, device);
  ManipulationSummary summary;
  std::tie(summary.entangled_original, summary.disentangled_original) =
      pretrained_losses(parts, evaluation, settings, directory, start);

  run_steps(parts, settings, device, directory, start);

  // The summary on the fixed evaluation batch, then the manipulation file and the finished marker.
  std::tie(summary.entangled_modified, summary.disentangled_modified) =
      evaluation_losses(parts.entangled, parts.disentangled, evaluation, &parts.network, settings.epsilon,
                        settings.latent_samples, settings.seed);
  summary.steps = settings.steps;
  measure_perturbation(parts, evaluation, settings.epsilon, summary);
  save_network(parts, settings, entangled_runs, disentangled_runs, directory);
  write_summary(summary, parts, settings, directory);
  return summary;
}

}  // namespace untangle
