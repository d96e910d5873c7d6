// beta-TCVAE (Chen et al. 2018; disentanglement_lib vae.py BetaTCVAE;
// docs/reference/models.md "beta_tcvae"). The KL splits into index-code MI + total correlation +
// dimension-wise KL; only the TC gets the extra weight (Chen et al. Eq. 4 with alpha = gamma = 1):
//   loss = recon + KL + (beta - 1) * TC_raw
// TC_raw is disentanglement_lib's minibatch-weighted-sampling estimate without its constant
// (nn/total_correlation.h); "tc" logs it, "tc_corrected" logs the dataset-size-corrected estimate
// (N = settings.dataset_size), which reads about 0 for independent latents where TC_raw reads about
// -(D-1) ln B.
#include "nn/model.h"
#include "nn/total_correlation.h"

namespace untangle {

namespace {

class BetaTcVae : public Model {
 public:
  using Model::Model;

  TrainingLoss training_loss(Tape& tape, const Batch& batch, PhiloxRng& rng, long long) const override {
    const ModelSettings& s = settings_;
    GaussianCode code = encode(tape, batch.x);
    Tensor z = sample_gaussian(tape, code, rng);  // (B, D)
    Tensor reconstruction = reconstruction_loss(tape, decode(tape, z), batch.x, s.reconstruction);
    Tensor kl = kl_divergence(tape, code, s.reconstruction.reduction);
    Tensor tc = total_correlation_minibatch(tape, z, code);
    Tensor loss = add(tape, add(tape, reconstruction, kl), scale(tape, tc, s.beta - 1.0f));
    return {loss,
            {{"loss", loss},
             {"reconstruction", reconstruction},
             {"kl", kl},
             {"tc", tc},
             {"tc_corrected", logged_value(total_correlation_stratified(z, code, s.dataset_size))},
             {"elbo", logged_sum(reconstruction, kl)}}};
  }
};

}  // namespace

std::unique_ptr<Model> make_beta_tcvae(const ModelSettings& settings, PhiloxRng& rng) {
  return std::make_unique<BetaTcVae>(settings, rng);
}

}  // namespace untangle
