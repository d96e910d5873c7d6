#include "nn/manipulation_network.h"

#include <cstdlib>
#include <sstream>

#include "core/check.h"
#include "nn/checkpoint.h"

namespace untangle {

namespace {
int checked_factor_count(int factors, int channels) {
  require(factors >= 1 && channels >= 1, "manipulation network: needs at least one factor and one channel");
  return factors;
}
}  // namespace

ManipulationNetwork::ManipulationNetwork(int factors, int channels, PhiloxRng& rng, Initializer init)
    : factors_(checked_factor_count(factors, channels)),
      channels_(channels),
      bottleneck_(factors, 1, rng, init),
      renderer_(channels, 1, rng, init) {}

Tensor ManipulationNetwork::forward(Tape& tape, const Tensor& w) const {
  require(w.rank() == 2 && w.dim(1) == factors_, "manipulation network: expected (B, ", factors_,
          ") factor values");
  Tensor scalar = bottleneck_.forward(tape, w);        // (B, 1): the factors as one number
  return tanh(tape, renderer_.forward(tape, scalar));  // (B, C, 64, 64) in [-1, 1]
}

void ManipulationNetwork::collect(ParameterList& parameters, const std::string& prefix) const {
  bottleneck_.collect(parameters, prefix + ".bottleneck");
  renderer_.collect(parameters, prefix + ".renderer");
}

Tensor factor_values(const std::vector<std::vector<size_t>>& factors, const std::vector<size_t>& sizes) {
  const size_t K = sizes.size();
  std::vector<float> values;
  values.reserve(factors.size() * K);
  for (const std::vector<size_t>& row : factors) {
    require(row.size() == K, "factor_values: expected ", K, " factors per row, got ", row.size());
    for (size_t k = 0; k < K; ++k) {
      require(row[k] < sizes[k], "factor_values: factor ", k, " index ", row[k], " out of range (size ",
              sizes[k], ")");
      values.push_back(sizes[k] > 1 ? float(row[k]) / float(sizes[k] - 1) : 0.0f);
    }
  }
  return Tensor::from_vector(values, {int(factors.size()), int(K)});
}

Tensor manipulate(Tape& tape, const Tensor& x, const Tensor& m, float epsilon) {
  Tensor moved = add(tape, x, scale(tape, m, epsilon));
  // reflect(v) = v - 2 relu(v - 1) + 2 relu(-v): a value that left [0, 1] by d comes back in by d.
  Tensor above = relu(tape, add_scalar(tape, moved, -1.0f));
  Tensor below = relu(tape, scale(tape, moved, -1.0f));
  return add(tape, sub(tape, moved, scale(tape, above, 2.0f)), scale(tape, below, 2.0f));
}

namespace {

const char* kKind = "zietlow_manipulation";

std::string join_sizes(const std::vector<size_t>& sizes) {
  std::string text;
  for (size_t s : sizes) text += (text.empty() ? "" : ",") + std::to_string(s);
  return text;
}

std::vector<std::string> split_on_commas(const std::string& text) {
  std::vector<std::string> parts(1);
  for (char c : text) {
    if (c == ',')
      parts.emplace_back();
    else
      parts.back().push_back(c);
  }
  return parts;
}

const std::string& metadata(const Checkpoint& checkpoint, const std::string& key, const std::string& path) {
  auto it = checkpoint.metadata.find(key);
  require(it != checkpoint.metadata.end(), path, ": not a manipulation file (no '", key, "' record)");
  return it->second;
}

}  // namespace

void save_manipulation(const std::string& path, const ManipulationNetwork& network,
                       const ManipulationInfo& info) {
  require(int(info.factor_sizes.size()) == network.factors() && info.channels == network.channels(),
          "save_manipulation: the info does not match the network");
  Checkpoint checkpoint;
  ParameterList tensors;
  network.collect(tensors, "manipulation");
  checkpoint.add(tensors);
  checkpoint.metadata["kind"] = kKind;
  checkpoint.metadata["dataset"] = info.dataset;
  checkpoint.metadata["factor_sizes"] = join_sizes(info.factor_sizes);
  checkpoint.metadata["channels"] = std::to_string(info.channels);
  std::ostringstream epsilon;
  epsilon.precision(9);  // a float exactly
  epsilon << info.epsilon;
  checkpoint.metadata["epsilon"] = epsilon.str();
  checkpoint.metadata["description"] = info.description;
  save_checkpoint(path, checkpoint);
}

LoadedManipulation load_manipulation(const std::string& path) {
  const Checkpoint checkpoint = load_checkpoint(path);
  require(metadata(checkpoint, "kind", path) == kKind, path, ": not a manipulation file (kind '",
          metadata(checkpoint, "kind", path), "')");
  LoadedManipulation loaded;
  ManipulationInfo& info = loaded.info;
  info.dataset = metadata(checkpoint, "dataset", path);
  for (const std::string& part : split_on_commas(metadata(checkpoint, "factor_sizes", path))) {
    char* end = nullptr;
    const long long size = std::strtoll(part.c_str(), &end, 10);
    require(!part.empty() && *end == '\0' && size >= 1 && size <= (1LL << 30), path, ": bad factor size '",
            part, "'");
    info.factor_sizes.push_back(size_t(size));
  }
  const std::string channels = metadata(checkpoint, "channels", path),
                    epsilon = metadata(checkpoint, "epsilon", path);
  info.channels = std::atoi(channels.c_str());
  info.epsilon = std::strtof(epsilon.c_str(), nullptr);
  require(info.channels >= 1 && info.channels <= 4, path, ": bad channel count '", channels, "'");
  require(info.epsilon >= 0.0f && info.epsilon <= 1.0f, path, ": epsilon must be in [0, 1], got '", epsilon,
          "'");
  info.description = checkpoint.metadata.count("description") ? checkpoint.metadata.at("description") : "";
  PhiloxRng unused(0);  // the weights are overwritten by the file's
  loaded.network =
      std::make_unique<ManipulationNetwork>(int(info.factor_sizes.size()), info.channels, unused);
  ParameterList tensors;
  loaded.network->collect(tensors, "manipulation");
  checkpoint.restore(tensors, path);
  return loaded;
}

}  // namespace untangle
