// michlo_distance_matrices — Michlo et al. Fig. 3, 8 and 10 (data side): ground-truth vs perceived
// distance matrices over factor traversals (metrics/distance_matrices.h; docs/reproductions/michlo.md).
//   Fig. 3   dSprites and Shapes3D: pixel MSE roughly follows the ground-truth distance |i − j|
//   Fig. 8   XYSquares with grid spacing 8 → 1 (factor y_R): spacing 8 is constant (adversarial);
//            as the squares start to overlap, the perceived distance grows with |i − j| again
//   Fig. 10  XYSquares spacing 8 under the box-blur-augmented loss: informative again
// The paper's Fig. 4 / 10 matrices measured *through a trained model* (latent L2, KL, reconstructions)
// are not produced here (see docs/reproductions/michlo.md).
//
// Outputs in --out: one folder per dataset (xysquares_s1 .. xysquares_s8, dsprites, shapes3d) with the
// files of `untangle distances`, and summary.md: per factor, the neighbour and end-to-end distances and
// the Pearson correlation between perceived and ground-truth distances (over the pairs i < j), beside
// the paper's reading of its figure.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "apps/common/args.h"
#include "apps/common/distance_files.h"
#include "apps/common/program.h"
#include "apps/common/reproduction.h"
#include "apps/common/timing.h"
#include "core/file_io.h"
#include "data/registry.h"

using namespace untangle;

namespace {

const char* kUsage = R"(usage: michlo_distance_matrices [--profile quick|paper|smoke] [--out DIR] [--device D]

Writes ground-truth and perceived (MSE; for XYSquares spacing 8 also box-blur) distance matrices over
factor traversals for XYSquares spacings 1..8, dSprites and Shapes3D, as CSV and PNG heat maps, and
DIR/summary.md. No training; --device is accepted for symmetry and unused (the matrices are CPU work).
  --profile quick   64 random traversals per factor (about a minute on 2 cores)
  --profile paper   256 traversals per factor (the reference's num_repeats)
  --profile smoke   4 traversals per factor: every output in seconds (numbers mean nothing)
  --out DIR         default out/michlo_distance_matrices
)";

// Pearson correlation of the pairs i < j of two (n, n) matrices; NaN when either is constant there.
double upper_triangle_correlation(const std::vector<double>& a, const std::vector<double>& b, size_t n) {
  double mean_a = 0, mean_b = 0, count = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) mean_a += a[i * n + j], mean_b += b[i * n + j], ++count;
  if (count < 2) return NAN;
  mean_a /= count, mean_b /= count;
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      const double da = a[i * n + j] - mean_a, db = b[i * n + j] - mean_b;
      ab += da * db, aa += da * da, bb += db * db;
    }
  // Relative tolerance: a matrix constant up to rounding (XYSquares spacing 8) has no correlation.
  if (aa <= 1e-20 * mean_a * mean_a * count || bb <= 1e-20 * mean_b * mean_b * count) return NAN;
  return ab / std::sqrt(aa * bb);
}

std::string number(const char* pattern, double value) {
  if (!std::isfinite(value)) return "constant";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), pattern, value);
  return buffer;
}

struct Job {
  std::string folder, dataset;
  int spacing;
  std::string loss;
  std::string paper;  // what the paper's figure shows for it
};

}  // namespace

int main(int argc, char** argv) {
  return run_program("michlo_distance_matrices", kUsage, argc, argv, {}, [&](Args& args) {
    const ReproductionOptions options = read_reproduction_options(args, "michlo_distance_matrices");
    args.reject_unknown();
    require(options.write_sweep.empty(),
            "--write-sweep: michlo_distance_matrices trains no runs (nothing to sweep)");
    const size_t repeats = options.profile == "paper" ? 256 : options.profile == "smoke" ? 4 : 64;

    std::vector<Job> jobs;
    for (int spacing = 8; spacing >= 1; --spacing)
      jobs.push_back({"xysquares_s" + std::to_string(spacing), "xysquares", spacing, "mse",
                      spacing == 8 ? "Fig. 8: constant (adversarial)"
                                   : "Fig. 8: grows along the factor, more as spacing shrinks"});
    jobs.push_back(
        {"xysquares_s8", "xysquares", 8, "blur", "Fig. 10: box blur makes it grow along the factor"});
    jobs.push_back({"dsprites", "dsprites", 8, "mse", "Fig. 3: follows ground truth (position, scale)"});
    jobs.push_back({"shapes3d", "shapes3d", 8, "mse", "Fig. 3: follows ground truth (mostly)"});

    std::vector<std::vector<std::string>> rows;
    for (size_t k = 0; k < jobs.size(); ++k) {
      const Job& job = jobs[k];
      DatasetOptions dataset_options;
      dataset_options.spacing = job.spacing;
      auto dataset = make_dataset(job.dataset, dataset_options);
      const double start = now_ms();
      const auto matrices =
          write_distance_matrices(*dataset, job.loss, repeats, 0, options.out + "/" + job.folder);
      std::fprintf(stderr, "[%zu/%zu] %s (%s): %zu factors, %zu traversals each, %.1f s\n", k + 1,
                   jobs.size(), job.folder.c_str(), job.loss.c_str(), matrices.size(), repeats,
                   (now_ms() - start) / 1000.0);
      const auto names = dataset->factor_names();
      for (const TraversalDistances& m : matrices) {
        // XYSquares' six factors have the same statistics: the table shows y_R (the paper's Fig. 8 factor).
        if (job.dataset == "xysquares" && names[m.factor] != "y_R") continue;
        const size_t n = m.factor_size;
        rows.push_back({job.folder, job.loss, names[m.factor], std::to_string(n),
                        number("%.4g", m.perceived[1]), number("%.4g", m.perceived[n - 1]),
                        number("%.3f", upper_triangle_correlation(m.perceived, m.ground_truth, n)),
                        job.paper});
      }
    }
    const std::string table = markdown_table(
        {"data", "loss", "factor", "values", "d(0,1)", "d(0,end)", "corr(perceived, ground truth)", "paper"},
        rows);
    const std::string report =
        "# Michlo et al. Fig. 3 / 8 / 10 — perceived vs ground-truth distances (" + std::to_string(repeats) +
        " traversals per factor)\n\n" +
        "Distances are means over C·H·W on [0, 1] images, averaged over random traversals; " +
        "corr is over the pairs i < j (\"constant\": no variation to correlate). XYSquares rows show y_R; "
        "its six "
        "factors have the same statistics.\n\n" +
        table;
    write_file_atomically(options.out + "/summary.md", report);
    std::printf("%s\nfigures: %s/<data>/{groundtruth,distances_<loss>}_<factor>.png\n", report.c_str(),
                options.out.c_str());
    return 0;
  });
}
