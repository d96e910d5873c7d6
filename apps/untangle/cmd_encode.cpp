// `untangle encode`: a trained run's codes (encoder means) for observations of its dataset, as the
// N x D float32 codes table and N x K int64 factor-index table of docs/design.md "Codes and factors tables" —
// the input of `untangle metrics`. Beside them, a sidecar JSON (codes_table_info_path) says what the rows
// are: dataset, factor names and sizes, seed, count, run and step — so `metrics` never guesses sizes.
#include <cstdio>

#include "apps/common/args.h"
#include "apps/common/json.h"
#include "apps/common/progress.h"
#include "apps/common/trained_run.h"
#include "apps/untangle/codes_table_info.h"
#include "apps/untangle/commands.h"
#include "core/file_io.h"
#include "data/npy.h"
#include "data/samplers.h"

namespace untangle {

int command_encode(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.help()) {
    std::printf(
        R"(usage: untangle encode --run DIR --out codes.npy [--factors-out factors.npy] [--count N] [--seed S]
                       [--manipulation FILE | --noise EPS]
Encodes observations with the run's encoder (posterior means) and writes codes (N x D float32) and their
factor indices (N x K int64, default: next to the codes as <name>_factors.npy), and <name>_info.json
(dataset, factor names and sizes, seed, count, run, step), which `untangle metrics` reads for the sizes.
Progress and an ETA go to stderr.
  --count N   N observations drawn uniformly with --seed (default: every observation of the dataset)
  --manipulation FILE, --noise EPS   encode this variant of the run's dataset instead of the one it
              trained on (Zietlow et al.'s mod. / noise data)
)");
    return 0;
  }
  const std::string directory = args.required_text("run"), out = args.required_text("out");
  std::string factors_out = args.text("factors-out", "");
  const long long count = args.integer("count", 0);
  const long long seed = args.integer("seed", 0);
  const std::string manipulation = args.text("manipulation", "");
  const bool other_noise = args.has("noise");
  const float noise = float(args.number("noise", 0.0));
  args.reject_unknown();
  require(count >= 0, "--count must be positive");
  if (factors_out.empty()) factors_out = npy_stem(out) + "_factors.npy";

  TrainedRun run = load_trained_run(directory);
  if (!manipulation.empty() || other_noise) use_data_variant(run, manipulation, noise);
  const GroundTruthDataset& dataset = *run.dataset;
  std::vector<size_t> indices;
  if (count == 0) {
    indices.resize(dataset.size());
    for (size_t i = 0; i < indices.size(); ++i) indices[i] = i;
  } else {
    PhiloxRng rng{uint64_t(seed)};
    indices = sample_uniform_indices(dataset, size_t(count), rng);
  }
  const size_t D = size_t(run.config.model.latents), K = dataset.num_factors(), chunk = 256;
  std::vector<float> codes(indices.size() * D), images(chunk * dataset.observation_size());
  std::vector<int64_t> factors(indices.size() * K);
  RepresentationFunction representation = mean_representation(*run.model, *run.inputs);
  const long long chunks = (long long)((indices.size() + chunk - 1) / chunk);
  std::fprintf(stderr, "encode: %zu observations of %s in %lld batches of %zu\n", indices.size(),
               dataset.name().c_str(), chunks, chunk);
  ProgressReporter progress("encode", 0, chunks);
  for (size_t first = 0; first < indices.size(); first += chunk) {
    const size_t n = std::min(chunk, indices.size() - first);
    std::vector<size_t> part(indices.begin() + long(first), indices.begin() + long(first + n));
    dataset.render_batch(part, images.data());
    representation(images.data(), n, codes.data() + first * D);
    for (size_t i = 0; i < n; ++i) {
      std::vector<size_t> f = dataset.index_to_factors(part[i]);
      for (size_t k = 0; k < K; ++k) factors[(first + i) * K + k] = int64_t(f[k]);
    }
    progress.update((long long)(first / chunk + 1), {});
  }
  write_npy(out, make_npy(codes, {indices.size(), D}));
  write_npy(factors_out, make_npy(factors, {indices.size(), K}));
  JsonObject info;
  std::string names, sizes;
  for (const std::string& name : dataset.factor_names()) names += (names.empty() ? "" : ",") + name;
  for (size_t size : dataset.factor_sizes()) sizes += (sizes.empty() ? "" : ",") + std::to_string(size);
  info.add("dataset", run.config.dataset).add("factor_names", names).add("factor_sizes", sizes);
  info.add("seed", seed).add("count", (long long)indices.size()).add("all_observations", count == 0);
  info.add("run", directory).add("step", run.step).add("noise", double(run.config.noise));
  info.add("manipulation", run.config.manipulation).add("codes", out).add("factors", factors_out);
  write_file_atomically(codes_table_info_path(out), info.str(2) + "\n");
  std::printf("wrote %s (%zu x %zu float32), %s (%zu x %zu int64) and %s\n", out.c_str(), indices.size(), D,
              factors_out.c_str(), indices.size(), K, codes_table_info_path(out).c_str());
  return 0;
}

}  // namespace untangle
