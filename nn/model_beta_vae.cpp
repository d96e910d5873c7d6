// beta-VAE (Higgins et al. 2017; disentanglement_lib vae.py BetaVAE; disent
// frameworks/vae/_unsupervised__betavae.py BetaVae). With beta = 1 it is the plain VAE; the registry's
// linear_vae is this model on the linear architecture.
//   z ~ q(z|x) = N(mean(x), exp(log_variance(x)))      (reparameterised)
//   loss = recon(decode(z), x) + beta * KL(q(z|x) || N(0, I))
// "elbo" is logged as recon + KL (disentanglement_lib logs its negative).
#include "nn/model.h"

namespace untangle {

namespace {

class BetaVae : public Model {
 public:
  using Model::Model;
  bool can_capture_step() const override { return true; }

  TrainingLoss training_loss(Tape& tape, const Batch& batch, PhiloxRng& rng, long long) const override {
    const ModelSettings& s = settings_;
    GaussianCode code = encode(tape, batch.x);  // (B, D) each
    Tensor z = sample_gaussian(tape, code, rng);
    Tensor reconstruction = reconstruction_loss(tape, decode(tape, z), batch.x, s.reconstruction);
    Tensor kl = kl_divergence(tape, code, s.reconstruction.reduction);
    Tensor loss = add(tape, reconstruction, scale(tape, kl, s.beta));
    return {loss,
            {{"loss", loss},
             {"reconstruction", reconstruction},
             {"kl", kl},
             {"elbo", logged_sum(reconstruction, kl)}}};
  }
};

}  // namespace

std::unique_ptr<Model> make_beta_vae(const ModelSettings& settings, PhiloxRng& rng) {
  return std::make_unique<BetaVae>(settings, rng);
}

}  // namespace untangle
