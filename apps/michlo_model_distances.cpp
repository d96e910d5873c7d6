// michlo_model_distances — Michlo et al. Fig. 4 / 10 (model side): the distance matrices of a factor
// traversal measured at every level of a *trained* model. The paper's finding: a VAE learns the same
// distances its reconstruction loss perceives in the data, at the latent means, between the posteriors
// and between the reconstructions.
//
// For each factor, over random traversals (as metrics/distance_matrices.h), the average of
//   ground truth      |i − j|
//   data              the run's perceived distance between the observations, on [0, 1] images:
//                     mse, or blur (the augmented loss) for runs trained with mse_box
//   latent L2         ‖μ_i − μ_j‖₂ between the posterior means
//   posterior KL      ½ KL(q_i‖q_j) + ½ KL(q_j‖q_i) between the diagonal Gaussian posteriors
//   reconstructions   the same perceived distance between the decoded posterior means, on [0, 1]
// The encoder sees standardised images when the run was trained on them, as in training.
//
// Writes DIR/<level>_<factor>.csv / .png for level in groundtruth, data, latent_l2, posterior_kl,
// reconstructions; and prints per level the correlation with the ground truth (over the pairs i < j).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "apps/common/args.h"
#include "apps/common/distance_files.h"
#include "apps/common/heatmap.h"
#include "apps/common/perceived_distance.h"
#include "apps/common/program.h"
#include "apps/common/trained_run.h"
#include "data/samplers.h"

using namespace untangle;

namespace {

const char* kUsage = R"(usage: michlo_model_distances --run RUN_DIR --out DIR [--repeats N] [--seed S]

Michlo et al. Fig. 4 / 10: distance matrices over factor traversals measured in the data, at the
latent means (L2), between the posteriors (symmetric KL) and between the reconstructions of a trained
run (from `untangle train` or a reproduction app's runs/). Per factor and level writes
DIR/<level>_<factor>.csv and .png. --repeats: traversals per factor (default 64).
)";

const char* kLevels[] = {"groundtruth", "data", "latent_l2", "posterior_kl", "reconstructions"};
constexpr size_t kLevelCount = 5;

// KL(N(m1, v1) || N(m2, v2)) for diagonal Gaussians of d dimensions, given log-variances.
double gaussian_kl(const float* m1, const float* lv1, const float* m2, const float* lv2, size_t d) {
  double kl = 0;
  for (size_t k = 0; k < d; ++k) {
    const double v1 = std::exp(double(lv1[k])), v2 = std::exp(double(lv2[k])),
                 dm = double(m1[k]) - double(m2[k]);
    kl += 0.5 * (double(lv2[k]) - double(lv1[k]) + (v1 + dm * dm) / v2 - 1.0);
  }
  return kl;
}

double correlation_upper(const std::vector<double>& a, const std::vector<double>& b, size_t n) {
  double ma = 0, mb = 0, count = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) ma += a[i * n + j], mb += b[i * n + j], ++count;
  ma /= count, mb /= count;
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      const double da = a[i * n + j] - ma, db = b[i * n + j] - mb;
      ab += da * db, aa += da * da, bb += db * db;
    }
  return aa > 1e-20 * ma * ma * count && bb > 1e-20 * mb * mb * count ? ab / std::sqrt(aa * bb) : NAN;
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("michlo_model_distances", kUsage, argc, argv, {}, [&](Args& args) {
    const std::string run_directory = args.required_text("run"), out = args.required_text("out");
    const size_t repeats = size_t(args.integer("repeats", 64));
    PhiloxRng rng(uint64_t(args.integer("seed", 0)));
    args.reject_unknown();
    require(repeats >= 1, "--repeats must be at least 1");

    TrainedRun run = load_trained_run(run_directory);
    const GroundTruthDataset& dataset = *run.dataset;
    const ModelSettings& s = run.model->settings();
    const std::string loss = s.reconstruction.kind == ReconstructionKind::MseBoxBlur ? "blur" : "mse";
    const ObservationDistance distance =
        perceived_distance(loss, dataset.channels(), dataset.height(), dataset.width());
    const size_t observation = dataset.observation_size(), latents = size_t(s.latents);
    std::filesystem::create_directories(out);
    std::fprintf(stderr, "%s (%s, %s loss, step %lld): %zu traversals per factor\n", run_directory.c_str(),
                 s.model.c_str(), loss.c_str(), run.step, repeats);

    const std::vector<size_t> sizes = dataset.factor_sizes();
    const std::vector<std::string> names = dataset.factor_names();
    std::printf("%-12s %-16s %s\n", "factor", "level", "corr(level, |i-j|)");
    for (size_t f = 0; f < sizes.size(); ++f) {
      const size_t n = sizes[f];
      std::vector<std::vector<double>> matrices(kLevelCount, std::vector<double>(n * n, 0.0));
      matrices[0] = ground_truth_distance_matrix(n);
      for (size_t repeat = 0; repeat < repeats; ++repeat) {
        const std::vector<size_t> indices = traversal_indices(dataset, sample_uniform_factors(sizes, rng), f);
        // images: (n, C, H, W) in [0, 1]; x: the model's input; reconstructions back in [0, 1]
        std::vector<float> images(n * observation);
        dataset.render_batch(indices, images.data());
        Tensor x = Tensor::zeros({int(n), s.channels, s.height, s.width});
        std::memcpy(x.data(), images.data(), images.size() * sizeof(float));
        run.inputs->standardise(x.data(), n);
        Tape tape = Tape::evaluation();
        GaussianCode code = run.model->encode(tape, x);
        Tensor decoded = output_to_image(tape, run.model->decode(tape, code.mean), s.reconstruction.kind);
        std::vector<float> reconstructions(decoded.data(), decoded.data() + decoded.numel());
        run.inputs->to_display_range(reconstructions.data(), n);
        const float* mean = code.mean.data();
        const float* log_variance = code.log_variance.data();
        for (size_t i = 0; i < n; ++i)
          for (size_t j = i + 1; j < n; ++j) {
            double l2 = 0;
            for (size_t k = 0; k < latents; ++k) {
              const double d = double(mean[i * latents + k]) - double(mean[j * latents + k]);
              l2 += d * d;
            }
            const double values[kLevelCount] = {
                0.0, distance(&images[i * observation], &images[j * observation], observation), std::sqrt(l2),
                0.5 * gaussian_kl(mean + i * latents, log_variance + i * latents, mean + j * latents,
                                  log_variance + j * latents, latents) +
                    0.5 * gaussian_kl(mean + j * latents, log_variance + j * latents, mean + i * latents,
                                      log_variance + i * latents, latents),
                distance(&reconstructions[i * observation], &reconstructions[j * observation], observation)};
            for (size_t level = 1; level < kLevelCount; ++level) {
              matrices[level][i * n + j] += values[level] / double(repeats);
              matrices[level][j * n + i] += values[level] / double(repeats);
            }
          }
      }
      for (size_t level = 0; level < kLevelCount; ++level) {
        const std::string base = out + "/" + kLevels[level] + "_" + names[f];
        write_matrix_csv(base + ".csv", matrices[level], n);
        write_heatmap_png(base + ".png", matrices[level], n,
                          level == 0 ? ColourMap::Blues : ColourMap::Purples, 0,
                          std::string(kLevels[level]) + ": " + names[f]);
        if (level > 0) {
          const double r = correlation_upper(matrices[level], matrices[0], n);
          std::printf("%-12s %-16s %s\n", names[f].c_str(), kLevels[level],
                      std::isfinite(r) ? std::to_string(r).c_str() : "constant");
        }
      }
    }
    std::printf("wrote %s/{groundtruth,data,latent_l2,posterior_kl,reconstructions}_<factor>.{csv,png}\n",
                out.c_str());
    return 0;
  });
}
