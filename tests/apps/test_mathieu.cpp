// Mathieu et al. reproduction pieces: random orthogonal matrices, the rotated beta-VAE objective (the
// isotropic prior's terms unchanged by a rotation, an anisotropic prior's KL changed), rotated codes, and
// the mathieu_rotation app end to end on its smoke profile (files, numbers, resume).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "apps/common/json.h"
#include "apps/common/latent_rotation.h"
#include "cli_helpers.h"
#include "core/file_io.h"
#include "nn/reconstruction.h"

using namespace untangle;

namespace {

std::string file_text(const std::string& path) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

std::unique_ptr<Model> tiny_linear_vae() {
  ModelSettings s = default_model_settings("beta_vae");
  s.architecture = "linear", s.channels = 1, s.height = 2, s.width = 3, s.latents = 4;
  PhiloxRng rng(2);
  auto model = make_model(s, rng);
  const ParameterList parameters = model->parameters();
  for (const NamedTensor& p : parameters.items())
    rng.fill_uniform(p.tensor.data(), p.tensor.numel(), -0.6f, 0.6f);
  return model;
}

}  // namespace

TEST_CASE("random orthogonal matrices: Q^T Q = I, and each draw is new") {
  PhiloxRng rng(4);
  const int D = 10;
  std::vector<double> Q = random_orthogonal(D, rng), other = random_orthogonal(D, rng);
  double worst = 0;
  for (int i = 0; i < D; ++i)
    for (int j = 0; j < D; ++j) {
      double dot = 0;
      for (int k = 0; k < D; ++k) dot += Q[size_t(k) * D + i] * Q[size_t(k) * D + j];
      worst = std::max(worst, std::abs(dot - (i == j ? 1.0 : 0.0)));
    }
  CHECK(worst < 1e-12);
  CHECK(std::abs(Q[0] - other[0]) > 1e-6);
}

TEST_CASE("rotating the latent space leaves the isotropic objective unchanged and the anisotropic KL not") {
  auto model = tiny_linear_vae();
  const int B = 8, D = 4;
  Tensor x = Tensor::zeros({B, 1, 2, 3});
  PhiloxRng rng(6);
  rng.fill_uniform(x.data(), x.numel(), 0.0f, 1.0f);
  std::vector<float> noise(size_t(B) * D);
  rng.fill_normal(noise.data(), noise.size());
  const std::vector<double> lambda = {2.0, 1.0, 0.6, 0.4};
  RotatedObjective plain = rotated_objective(*model, x, noise, identity_matrix(D), lambda);
  // Unrotated, the KL is the closed form the models train with (nn/reconstruction.h, sum reduction).
  Tape tape = Tape::evaluation();
  CHECK(
      plain.kl_isotropic ==
      doctest::Approx(kl_divergence(tape, model->encode(tape, x), LossReduction::Sum).item()).epsilon(1e-5));
  for (int r = 0; r < 3; ++r) {
    RotatedObjective rotated = rotated_objective(*model, x, noise, random_orthogonal(D, rng), lambda);
    // Float rounding of R^T R z and of the rotated means: ~1e-7 relative.
    CHECK(rotated.reconstruction == doctest::Approx(plain.reconstruction).epsilon(1e-5));
    CHECK(rotated.kl_isotropic == doctest::Approx(plain.kl_isotropic).epsilon(1e-5));
    CHECK(std::abs(rotated.kl_anisotropic - plain.kl_anisotropic) > 1e-3);
  }
}

TEST_CASE("rotated codes are R times the codes") {
  RepresentationFunction base = [](const float* images, size_t batch, float* codes) {
    for (size_t b = 0; b < batch; ++b) codes[b * 2] = images[b], codes[b * 2 + 1] = 2 * images[b];
  };
  // R = [[0, -1], [1, 0]]: (a, 2a) -> (-2a, a)
  RepresentationFunction rotated = rotated_representation(base, {0, -1, 1, 0}, 2);
  const float images[2] = {1.0f, 3.0f};
  float codes[4];
  rotated(images, 2, codes);
  CHECK(codes[0] == -2.0f);
  CHECK(codes[1] == 1.0f);
  CHECK(codes[2] == -6.0f);
  CHECK(codes[3] == 3.0f);
}

TEST_CASE(
    "mathieu_rotation --profile smoke: the report, the rotation numbers, and a resume that redoes nothing") {
  const std::string out = "/tmp/untangle_test_mathieu_smoke";
  std::system(("rm -rf " + out).c_str());
  auto result = testing::run_program("mathieu_rotation --profile smoke --workers 1 --out " + out);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  for (const char* file :
       {"results.md", "results.csv", "rotation.json", "rotation.md", "rotation_mig.svg",
        "prior_hoyer_sparsity.svg", "runs/decomposition_xysquares_student_t_seed0/decomposition.json"})
    CHECK(std::filesystem::exists(out + "/" + file));
  const std::string report = file_text(out + "/results.md");
  for (const char* prior : {"| isotropic |", "| anisotropic |", "| student_t |"})
    CHECK(report.find(prior) != std::string::npos);
  const std::string rotation = file_text(out + "/rotation.json");
  CHECK(rotation.find("\"rotation 1\"") != std::string::npos);
  // The config of the anisotropic run holds the data's spectrum as its prior variances.
  CHECK(file_text(out + "/runs/decomposition_xysquares_anisotropic_seed0/config.json")
            .find("\"prior_variances\": \"") != std::string::npos);
  auto again = testing::run_program("mathieu_rotation --profile smoke --workers 1 --out " + out);
  REQUIRE(again.exit_code == 0);
  size_t skipped = 0;  // every run was finished: the sweep says so for all four
  for (size_t at = again.output.find("finished earlier, skipped"); at != std::string::npos;
       at = again.output.find("finished earlier, skipped", at + 1))
    ++skipped;
  CHECK(skipped == 4);
  CHECK(file_text(out + "/rotation.json") == rotation);
  CHECK(testing::run_program("mathieu_rotation --help").output.find("--profile quick|paper|smoke") !=
        std::string::npos);
  CHECK(testing::run_program("mathieu_rotation --profile huge").exit_code == 1);
}
