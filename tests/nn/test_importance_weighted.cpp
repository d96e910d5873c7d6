// The importance-weighted log p(x) (nn/importance_weighted.h) on a linear Gaussian VAE, where log p(x) is
// known in closed form: decoder x = W z + b + noise of variance 1/2 (the mse likelihood), z ~ N(0, I), so
// p(x) = N(b, W W^T + I/2). With orthogonal columns of W the true posterior is diagonal, and an encoder set
// to it makes every importance weight equal p(x): the estimate is exact for any K. With a worse encoder the
// estimate's gap closes as K grows.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/check.h"
#include "model_recompute.h"
#include "nn/importance_weighted.h"
#include "nn/model.h"

using namespace untangle;

namespace {

constexpr int kPixels = 6, kLatents = 2;
// Columns of W: w0 = (1, 1, 0, 0, 0, 0), |w0|^2 = 2; w1 = (0, 0, 1, -1, 0.5, 0), |w1|^2 = 2.25.
const double kW[kPixels][kLatents] = {{1, 0}, {1, 0}, {0, 1}, {0, -1}, {0, 0.5}, {0, 0}};
const double kColumnNorm2[kLatents] = {2.0, 2.25};
const double kBias[kPixels] = {0.1, -0.2, 0.3, 0.0, 0.2, -0.1};

void set(const Tensor& t, const std::vector<double>& values) {
  REQUIRE(t.numel() == values.size());
  for (size_t i = 0; i < values.size(); ++i) t.data()[i] = float(values[i]);
}

// A linear VAE with the decoder above and an encoder at the true posterior, its means shifted by
// `mean_shift` and its variances multiplied by `variance_factor` (1 and 0 give the exact posterior):
//   precision = I + 2 W^T W = diag(5, 5.5),  mean = 2 Sigma W^T (x - b)
std::unique_ptr<Model> linear_gaussian_vae(double mean_shift, double variance_factor) {
  ModelSettings s = default_model_settings("linear_vae");
  s.channels = 1, s.height = 2, s.width = 3, s.latents = kLatents;
  PhiloxRng rng(1);
  auto model = make_model(s, rng);
  std::vector<double> decoder_weight, encoder_weight, encoder_bias, log_variance_bias;
  for (int p = 0; p < kPixels; ++p)
    for (int d = 0; d < kLatents; ++d) decoder_weight.push_back(kW[p][d]);
  for (int d = 0; d < kLatents; ++d) {
    const double posterior_variance = 1.0 / (1.0 + 2.0 * kColumnNorm2[d]);
    double bias = mean_shift;
    for (int p = 0; p < kPixels; ++p) {
      encoder_weight.push_back(2.0 * posterior_variance * kW[p][d]);
      bias -= 2.0 * posterior_variance * kW[p][d] * kBias[p];
    }
    encoder_bias.push_back(bias);
    log_variance_bias.push_back(std::log(posterior_variance * variance_factor));
  }
  set(testing::parameter(*model, "decoder.output.weight"), decoder_weight);
  set(testing::parameter(*model, "decoder.output.bias"), std::vector<double>(kBias, kBias + kPixels));
  set(testing::parameter(*model, "encoder.mean.weight"), encoder_weight);
  set(testing::parameter(*model, "encoder.mean.bias"), encoder_bias);
  set(testing::parameter(*model, "encoder.log_variance.weight"),
      std::vector<double>(kPixels * kLatents, 0.0));
  set(testing::parameter(*model, "encoder.log_variance.bias"), log_variance_bias);
  return model;
}

// log N(x; b, W W^T + I/2) through the eigen-directions of W W^T (the unit columns u_d, eigenvalue
// 1/2 + |w_d|^2; 1/2 in the other P - D directions).
double exact_log_px(const float* x) {
  double r[kPixels], norm2 = 0, quadratic = 0, log_det = (kPixels - kLatents) * std::log(0.5);
  for (int p = 0; p < kPixels; ++p) r[p] = x[p] - kBias[p], norm2 += r[p] * r[p];
  double rest = norm2;
  for (int d = 0; d < kLatents; ++d) {
    double projection = 0;
    for (int p = 0; p < kPixels; ++p) projection += kW[p][d] * r[p];
    projection /= std::sqrt(kColumnNorm2[d]);
    rest -= projection * projection;
    quadratic += projection * projection / (0.5 + kColumnNorm2[d]);
    log_det += std::log(0.5 + kColumnNorm2[d]);
  }
  quadratic += rest / 0.5;
  return -0.5 * (quadratic + log_det + kPixels * 1.8378770664093453);
}

}  // namespace

TEST_CASE("IWAE log p(x) is exact with the true posterior, for any K") {
  auto model = linear_gaussian_vae(0.0, 1.0);
  Tensor x = testing::uniform_images(4, 8, 2, 3);
  for (int K : {1, 5}) {
    PhiloxRng rng(2);
    std::vector<double> estimate = importance_weighted_log_likelihood(*model, x, K, rng);
    for (int b = 0; b < 8; ++b)
      CHECK(estimate[size_t(b)] == doctest::Approx(exact_log_px(x.data() + b * kPixels)).epsilon(1e-5));
  }
}

TEST_CASE("IWAE log p(x) closes its gap to the closed form as K grows, with a poor encoder") {
  auto model = linear_gaussian_vae(0.4, 2.0);
  Tensor x = testing::uniform_images(5, 16, 2, 3);
  double exact = 0;
  for (int b = 0; b < 16; ++b) exact += exact_log_px(x.data() + b * kPixels) / 16;
  std::vector<double> gap;
  for (int K : {1, 10, 1000}) {
    PhiloxRng rng(3);
    double mean = 0;
    for (double v : importance_weighted_log_likelihood(*model, x, K, rng)) mean += v / 16;
    gap.push_back(exact - mean);
    INFO("K = " << K << ": gap " << exact - mean);
  }
  CHECK(gap[0] > gap[1]);
  CHECK(gap[1] > gap[2]);
  CHECK(gap[2] > -0.01);
  CHECK(gap[2] < 0.1 * gap[0]);
  ModelSettings box = default_model_settings("beta_vae");
  box.architecture = "linear", box.channels = 1, box.height = 2, box.width = 3, box.latents = 2;
  box.reconstruction.kind = ReconstructionKind::MseBoxBlur;
  PhiloxRng rng(1);
  auto blurred = make_model(box, rng);
  CHECK_THROWS_WITH_AS(importance_weighted_log_likelihood(*blurred, x, 2, rng),
                       doctest::Contains("not a normalised likelihood"), Error);
}
