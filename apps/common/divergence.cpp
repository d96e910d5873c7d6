#include "apps/common/divergence.h"

#include <sys/stat.h>

#include <cmath>
#include <cstdlib>

#include "apps/common/json.h"
#include "core/check.h"
#include "core/file_io.h"

namespace untangle {

std::string divergence_path(const std::string& directory) {
  return directory + "/diverged.json";
}

void write_divergence(const std::string& directory, const Divergence& divergence) {
  JsonObject record;
  record.add("step", divergence.step)
      .add("cause", divergence.cause)
      .add("learning_rate", divergence.learning_rate)
      .add("checkpoint_step", divergence.checkpoint_step);
  write_file_atomically(divergence_path(directory), record.str(2) + "\n");
}

std::optional<Divergence> read_divergence(const std::string& directory) {
  const std::string path = divergence_path(directory);
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return std::nullopt;
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  const auto fields = parse_flat_json(std::string(bytes.begin(), bytes.end()), path);
  auto field = [&](const char* key) -> const std::string& {
    const auto it = fields.find(key);
    require(it != fields.end(), path, ": no '", key, "' (delete the file to resume without its check)");
    return it->second;
  };
  Divergence divergence;
  divergence.step = std::atoll(field("step").c_str());
  divergence.cause = field("cause");
  const std::string& rate = field("learning_rate");  // null: the rate was not a finite number
  divergence.learning_rate = rate.empty() ? NAN : std::strtod(rate.c_str(), nullptr);
  divergence.checkpoint_step = std::atoll(field("checkpoint_step").c_str());
  return divergence;
}

std::string first_non_finite_tensor(const Checkpoint& checkpoint) {
  for (const auto& [name, tensor] : checkpoint.tensors)
    for (float value : tensor.to_vector())  // copied back when the tensor is on a GPU
      if (!std::isfinite(value)) return name;
  return "";
}

}  // namespace untangle
