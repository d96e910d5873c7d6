// `untangle distances`: ground-truth vs perceived distance matrices over factor traversals of a
// dataset (Michlo et al. §3-4; apps/common/distance_files.h for the files it writes).
#include <cstdio>

#include "apps/common/args.h"
#include "apps/common/distance_files.h"
#include "apps/common/learned_manipulation.h"
#include "apps/common/perceived_distance.h"
#include "apps/untangle/commands.h"
#include "data/registry.h"

namespace untangle {

namespace {
const char* kUsage =
    "usage: untangle distances --dataset D [--spacing K] [--noise EPS | --manipulation FILE] [--loss "
    "mse|bce|blur]\n"
    "                          [--repeats N] [--seed S] --out DIR\n"
    "\n"
    "Averages, over N random traversals of each factor, the distance between every pair of observations\n"
    "of the traversal (on [0, 1] images, mean over C*H*W) and writes per factor:\n"
    "  DIR/distances_<loss>_<factor>.csv/.png   perceived distances (f x f, no header; heat map 'Purples')\n"
    "  DIR/groundtruth_<factor>.csv/.png        |i - j| (heat map 'Blues')\n"
    "  --dataset D   xysquares, xysquares_grey, xysquares_single, dsprites, shapes3d\n"
    "  --spacing K   xysquares grid spacing 1..8 (default 8: no overlap, constant pixel distance)\n"
    "  --loss L      mse (default, the paper's), bce (binary cross-entropy, both directions averaged),\n"
    "                blur (disent's mse_box_r31_l1.0_k3969.0: (a-b)^2 + 3969 (Ka-Kb)^2, K a 63x63 box blur)\n"
    "  --repeats N   traversals per factor (default 256, the reference's)\n"
    "  --seed S      seed of the random traversals (default 0)\n"
    "  --data-file PATH  dsprites / shapes3d: read the real file instead of rendering\n"
    "  --noise EPS       add uniform noise in [-EPS, EPS] (Zietlow et al. 5.2; per-observation, seeded by "
    "--seed)\n"
    "  --manipulation F  apply a learned manipulation file (Zietlow et al. 4.4; made by zietlow_tables)\n";
}  // namespace

int command_distances(int argc, char** argv) {
  Args args(argc, argv, 2);
  if (args.help()) {
    std::printf("%s", kUsage);
    return 0;
  }
  const std::string name = args.required_text("dataset"), out = args.required_text("out");
  const std::string loss = args.text("loss", "mse");
  DatasetOptions options;
  options.spacing = int(args.integer("spacing", 8));
  options.data_file = args.text("data-file", "");
  options.noise = float(args.number("noise", 0.0));
  const std::string manipulation = args.text("manipulation", "");
  const long long repeats = args.integer("repeats", 256);
  const long long seed = args.integer("seed", 0);
  args.reject_unknown();
  require(repeats >= 1, "--repeats must be at least 1");
  perceived_distance(loss, 1, 1, 1);  // rejects an unknown --loss before any work
  require(manipulation.empty() || options.noise == 0.0f, "give --noise or --manipulation, not both");
  options.noise_seed = uint64_t(seed);
  if (!manipulation.empty()) add_manipulation(options, manipulation);

  auto dataset = make_dataset(name, options);
  std::fprintf(stderr, "distances: %s, loss %s, %lld traversals per factor...\n", dataset->name().c_str(),
               loss.c_str(), repeats);
  const auto matrices = write_distance_matrices(*dataset, loss, size_t(repeats), uint64_t(seed), out);
  const auto names = dataset->factor_names();
  for (const TraversalDistances& m : matrices) {
    // One summary line per factor: the distance between neighbours and between the two ends.
    const size_t n = m.factor_size;
    std::printf("%-14s %2zu values  neighbours %.6g  ends %.6g\n", names[m.factor].c_str(), n,
                n > 1 ? m.perceived[1] : 0.0, m.perceived[n - 1]);
  }
  std::printf("wrote %s/{groundtruth,distances_%s}_<factor>.{csv,png}\n", out.c_str(), loss.c_str());
  return 0;
}

}  // namespace untangle
