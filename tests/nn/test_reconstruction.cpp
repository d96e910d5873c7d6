// Reconstruction losses and KL: Bernoulli and MSE against double-precision sums, both reductions;
// the box-blur loss against the reference numbers disent's loss gives (docs/reproductions/michlo.md, section
// 1: XYSquares, the red square moved by dx cells); disentanglement_lib's KL unit-test values; gradients by
// finite differences.
#include <doctest/doctest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "core/check.h"
#include "nn/reconstruction.h"

using namespace untangle;

namespace {

Tensor uniform(const Shape& shape, PhiloxRng& rng, float low, float high) {
  Tensor t = Tensor::zeros(shape);
  rng.fill_uniform(t.data(), t.numel(), low, high);
  return t;
}

// An RGB XYSquares image (docs/reference/datasets.md "xysquares", spacing 8): square i is 8x8 of 1.0 in
// channel i at (8 fx, 8 fy).
void draw_square(Tensor& image, int channel, int fx, int fy) {
  for (int y = 8 * fy; y < 8 * fy + 8; ++y)
    for (int x = 8 * fx; x < 8 * fx + 8; ++x) image.data()[(size_t(channel) * 64 + y) * 64 + x] = 1.0f;
}

Tensor xysquares(int red_x) {
  Tensor image = Tensor::zeros({1, 3, 64, 64});
  draw_square(image, 0, red_x, 0);
  draw_square(image, 1, 3, 5);
  draw_square(image, 2, 6, 2);
  return image;
}

}  // namespace

TEST_CASE("Bernoulli and MSE losses sum per example and average over the batch, or average everything") {
  PhiloxRng rng(11);
  Tensor logits = uniform({3, 2, 4, 5}, rng, -4, 4), targets = uniform({3, 2, 4, 5}, rng, 0, 1);
  double bce = 0, squared = 0;
  for (size_t i = 0; i < logits.numel(); ++i) {
    double l = logits.data()[i], t = targets.data()[i];
    double p = 1 / (1 + std::exp(-l));
    bce += -(t * std::log(p) + (1 - t) * std::log(1 - p));  // the textbook form, not the overflow-free one
    squared += (l - t) * (l - t);
  }
  Tape tape = Tape::evaluation();
  ReconstructionSettings settings;
  settings.reduction = LossReduction::Sum;
  CHECK(reconstruction_loss(tape, logits, targets, settings).item() ==
        doctest::Approx(bce / 3).epsilon(1e-5));
  settings.reduction = LossReduction::Mean;
  CHECK(reconstruction_loss(tape, logits, targets, settings).item() ==
        doctest::Approx(bce / 120).epsilon(1e-5));
  settings.kind = ReconstructionKind::Mse;
  CHECK(reconstruction_loss(tape, logits, targets, settings).item() ==
        doctest::Approx(squared / 120).epsilon(1e-5));
  settings.reduction = LossReduction::Sum;
  CHECK(reconstruction_loss(tape, logits, targets, settings).item() ==
        doctest::Approx(squared / 3).epsilon(1e-5));
}

TEST_CASE("the box-blur loss reproduces disent's XYSquares reference numbers") {
  // docs/reference/models.md "Reconstruction losses": pixel MSE, blur MSE, total on [0, 1] data, total on
  // standardised data.
  struct Row {
    int dx;
    double pixel, blur, total, standardised;
  };
  const double mean = 0.015625, std = 0.12403473458920855;  // standardisation, XYSquares RGB
  Tape tape = Tape::evaluation();
  for (const Row& row :
       {Row{1, 0.0104167, 3.888e-6, 0.02585, 1.680}, Row{2, 0.0104167, 9.676e-6, 0.04882, 3.173},
        Row{4, 0.0104167, 2.197e-5, 0.09763, 6.346}, Row{7, 0.0104167, 3.934e-5, 0.16654, 10.825}}) {
    CAPTURE(row.dx);
    Tensor original = xysquares(0), moved = xysquares(row.dx);
    ReconstructionSettings settings{ReconstructionKind::MseBoxBlur, LossReduction::Mean};
    // The table gives 4-5 significant digits.
    CHECK(reconstruction_loss(tape, moved, original, settings).item() ==
          doctest::Approx(row.total).epsilon(2e-4));
    settings.pixel_weight = 1.0f, settings.blur_weight = 0.0f;
    CHECK(reconstruction_loss(tape, moved, original, settings).item() ==
          doctest::Approx(row.pixel).epsilon(1e-4));
    settings.pixel_weight = 0.0f, settings.blur_weight = 1.0f;
    CHECK(reconstruction_loss(tape, moved, original, settings).item() ==
          doctest::Approx(row.blur).epsilon(3e-4));
    settings = ReconstructionSettings{ReconstructionKind::MseBoxBlur, LossReduction::Mean};
    Tensor standardised_original = scale(tape, add_scalar(tape, original, float(-mean)), float(1 / std));
    Tensor standardised_moved = scale(tape, add_scalar(tape, moved, float(-mean)), float(1 / std));
    CHECK(reconstruction_loss(tape, standardised_moved, standardised_original, settings).item() ==
          doctest::Approx(row.standardised).epsilon(3e-4));
  }
}

TEST_CASE("gradients of the reconstruction losses") {
  PhiloxRng rng(12);
  for (ReconstructionKind kind :
       {ReconstructionKind::Bernoulli, ReconstructionKind::Mse, ReconstructionKind::MseBoxBlur}) {
    for (LossReduction reduction : {LossReduction::Sum, LossReduction::Mean}) {
      ReconstructionSettings settings{kind, reduction};
      settings.blur_radius = 2;
      settings.blur_weight = 25.0f;
      Tensor output = uniform({2, 2, 5, 4}, rng, -1, 1), target = uniform({2, 2, 5, 4}, rng, 0, 1);
      output.set_requires_grad(true);
      GradcheckResult result = gradcheck(
          [&](Tape& t, const std::vector<Tensor>& in) {
            return reconstruction_loss(t, in[0], target, settings);
          },
          {output});
      INFO(reconstruction_kind_name(kind)
           << " " << loss_reduction_name(reduction) << ": " << result.worst_location);
      CHECK(result.passed);
    }
  }
}

TEST_CASE("KL to the prior: disentanglement_lib's unit-test values and the two reductions") {
  Tape tape = Tape::evaluation();
  // mu = 1, logvar = 0, D = 10 -> 5.0;  mu = 1, logvar = 1 -> 0.5 * 10 * (1 + e - 1 - 1) = 8.5914
  GaussianCode code{Tensor::full({4, 10}, 1.0f), Tensor::full({4, 10}, 0.0f)};
  CHECK(kl_divergence(tape, code, LossReduction::Sum).item() == doctest::Approx(5.0).epsilon(1e-6));
  CHECK(kl_divergence(tape, code, LossReduction::Mean).item() == doctest::Approx(0.5).epsilon(1e-6));
  code.log_variance = Tensor::full({4, 10}, 1.0f);
  CHECK(kl_divergence(tape, code, LossReduction::Sum).item() ==
        doctest::Approx(5 * (std::exp(1.0) - 1)).epsilon(1e-6));
}

TEST_CASE("reparameterised samples use the generator's normals in (B, D) order") {
  PhiloxRng rng(13), copy = rng;
  GaussianCode code{Tensor::from_vector({0.5f, -1.0f, 2.0f, 0.0f}, {2, 2}),
                    Tensor::from_vector({0.0f, 2.0f, -2.0f, 1.0f}, {2, 2})};
  Tape tape = Tape::evaluation();
  Tensor z = sample_gaussian(tape, code, rng);
  float noise[4];
  copy.fill_normal(noise, 4);
  for (int i = 0; i < 4; ++i)
    CHECK(z.data()[i] ==
          doctest::Approx(code.mean.data()[i] + std::exp(0.5 * code.log_variance.data()[i]) * noise[i])
              .epsilon(1e-6));
  CHECK(rng.counter() == copy.counter());
}

TEST_CASE("loss names round-trip and unknown names are errors") {
  for (const char* name : {"bernoulli", "mse", "mse_box"})
    CHECK(reconstruction_kind_name(reconstruction_kind_from_name(name)) == name);
  CHECK(loss_reduction_name(loss_reduction_from_name("mean")) == "mean");
  CHECK_THROWS_WITH_AS(reconstruction_kind_from_name("l1"),
                       doctest::Contains("unknown reconstruction loss 'l1'"), Error);
}
