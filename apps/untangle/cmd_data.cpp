// `untangle data`: look at a dataset (--preview grid PNG), export it the way the real files store it
// (--export .npz with `images` and `factors`), or time its renderer (--bench).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "apps/common/args.h"
#include "apps/common/figures.h"
#include "apps/common/learned_manipulation.h"
#include "apps/untangle/commands.h"
#include "data/npz.h"
#include "data/png.h"
#include "data/registry.h"
#include "data/samplers.h"

namespace untangle {

namespace {

const char* kUsage =
    "usage: untangle data --dataset D [--spacing K] [--data-file PATH] [--noise EPS | --manipulation FILE] "
    "[--seed S]\n"
    "                     (--preview out.png [--zoom Z] | --export out.npz [--count N] | --bench [--count N] "
    "[--batch B])\n"
    "\n"
    "  --dataset D       xysquares, xysquares_grey, xysquares_single, dsprites, shapes3d\n"
    "  --spacing K       xysquares grid spacing in pixels, 1..8 (default 8: no overlap)\n"
    "  --data-file PATH  dsprites / shapes3d: read the real file (.npz / .h5) instead of rendering;\n"
    "                    any dataset: read a file written by --export (the whole grid)\n"
    "  --noise EPS       add uniform noise in [-EPS, EPS] (reflected back into [0, 1])\n"
    "  --manipulation F  apply a learned manipulation file (Zietlow et al.; made by zietlow_tables)\n"
    "  --seed S          seed of the random samples (default 0)\n"
    "  --preview F.png   two rows of random samples, then one traversal per factor (one row each, named)\n"
    "  --zoom Z          preview pixel magnification (default 1)\n"
    "  --export F.npz    N random observations (all, in index order, without --count):\n"
    "                    images uint8 (dsprites 0/1 N x 64 x 64; others 0..255 N x 64 x 64 x C),\n"
    "                    factors int64 N x K (factor indices), factor_sizes int64 K, factor_names and\n"
    "                    dataset as NumPy text arrays; without --count the file reads back with --data-file\n"
    "  --bench           render --count observations (default 65536) in batches of --batch (default 64)\n"
    "                    with render_batch (parallel from 512 images on), print images/s\n";

void write_export(const GroundTruthDataset& dataset, const std::string& path, std::vector<size_t> indices) {
  const size_t n = indices.size(), c = dataset.channels(), h = dataset.height(), w = dataset.width();
  const size_t plane = h * w;
  // dSprites stores 0/1 bytes; every other dataset 0..255 (the real files' conventions).
  const float byte_scale = dataset.name() == "dsprites" ? 1.0f : 255.0f;
  std::vector<size_t> shape = {n, h, w};
  if (c > 1) shape.push_back(c);
  NpzWriter writer(path);
  writer.begin_array("images", DType::UInt8, shape);
  const size_t block = 1024;
  std::vector<float> chw(block * dataset.observation_size());
  std::vector<uint8_t> hwc(block * dataset.observation_size());
  for (size_t start = 0; start < n; start += block) {
    std::vector<size_t> part(indices.begin() + long(start),
                             indices.begin() + long(std::min(n, start + block)));
    dataset.render_batch(part, chw.data());
    for (size_t i = 0; i < part.size(); ++i)
      for (size_t p = 0; p < plane; ++p)
        for (size_t k = 0; k < c; ++k)
          hwc[(i * plane + p) * c + k] = uint8_t(std::lround(chw[(i * c + k) * plane + p] * byte_scale));
    writer.write(hwc.data(), part.size() * dataset.observation_size());
  }
  writer.end_array();
  const size_t k_factors = dataset.num_factors();
  std::vector<int64_t> factors(n * k_factors);
  for (size_t i = 0; i < n; ++i) {
    std::vector<size_t> f = dataset.index_to_factors(indices[i]);
    for (size_t k = 0; k < k_factors; ++k) factors[i * k_factors + k] = int64_t(f[k]);
  }
  writer.add("factors", make_npy(factors, {n, k_factors}));
  std::vector<int64_t> sizes;
  for (size_t s : dataset.factor_sizes()) sizes.push_back(int64_t(s));
  writer.add("factor_sizes", make_npy(sizes, {k_factors}));
  writer.add_text("factor_names", dataset.factor_names());
  writer.add_text("dataset", {dataset.name()});
  writer.close();
  std::printf("wrote %s: images %s uint8, factors (%zu, %zu) int64, factor_sizes, factor_names, dataset%s\n",
              path.c_str(), c > 1 ? "(N, H, W, C)" : "(N, H, W)", n, k_factors,
              n == dataset.size() ? " (the whole grid: readable with --data-file)" : "");
}

void run_bench(const GroundTruthDataset& dataset, size_t count, size_t batch, PhiloxRng& rng) {
  std::vector<float> out(batch * dataset.observation_size());
  // One warm-up batch (lazy caches such as Shapes3D's geometry buffers fill here and below).
  dataset.render_batch(sample_uniform_indices(dataset, batch, rng), out.data());
  auto start = std::chrono::steady_clock::now();
  size_t done = 0;
  for (; done < count; done += batch)
    dataset.render_batch(sample_uniform_indices(dataset, batch, rng), out.data());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %zu images (batches of %zu, uniform random indices) in %.3f s = %.0f images/s\n",
              dataset.name().c_str(), done, batch, seconds, double(done) / seconds);
}

}  // namespace

int command_data(int argc, char** argv) {
  Args args(argc, argv, 2, {"bench"});
  if (args.help()) {
    std::printf("%s", kUsage);
    return 0;
  }
  DatasetOptions options;
  std::string name = args.required_text("dataset");
  options.spacing = int(args.integer("spacing", 8));
  options.data_file = args.text("data-file", "");
  options.noise = float(args.number("noise", 0.0));
  const uint64_t seed = uint64_t(args.integer("seed", 0));
  options.noise_seed = seed;
  const std::string manipulation = args.text("manipulation", "");
  std::string preview = args.text("preview", ""), export_path = args.text("export", "");
  const bool bench = args.flag("bench");
  const long long count = args.integer("count", -1);
  const long long zoom = args.integer("zoom", 1);
  const long long batch = args.integer("batch", 64);
  args.reject_unknown();
  require(int(!preview.empty()) + int(!export_path.empty()) + int(bench) == 1,
          "give exactly one of --preview, --export, --bench (see --help)");
  require(count == -1 || count > 0, "--count must be positive");
  require(zoom >= 1 && zoom <= 8, "--zoom must be in 1..8");
  require(batch >= 1, "--batch must be positive");

  require(manipulation.empty() || options.noise == 0.0f, "give --noise or --manipulation, not both");
  if (!manipulation.empty()) add_manipulation(options, manipulation);
  std::unique_ptr<GroundTruthDataset> dataset = make_dataset(name, options);
  PhiloxRng rng(seed);
  if (!preview.empty()) {
    write_dataset_preview(preview, *dataset, rng, size_t(zoom));
    std::printf("wrote %s: two rows of random samples, then one traversal row per factor (", preview.c_str());
    const std::vector<std::string> names = dataset->factor_names();
    for (size_t f = 0; f < names.size(); ++f) std::printf("%s%s", f ? ", " : "", names[f].c_str());
    std::printf(")\n");
  }
  if (!export_path.empty()) {
    std::vector<size_t> indices;
    if (count == -1) {
      indices.resize(dataset->size());
      for (size_t i = 0; i < indices.size(); ++i) indices[i] = i;
    } else {
      indices = sample_uniform_indices(*dataset, size_t(count), rng);
    }
    write_export(*dataset, export_path, indices);
  }
  if (bench) run_bench(*dataset, count == -1 ? 65536 : size_t(count), size_t(batch), rng);
  return 0;
}

}  // namespace untangle
