// DIP-VAE I and II (Kumar et al. 2018; disentanglement_lib vae.py DIPVAE, regularize_diag_off_diag_dip).
// Pushes the covariance of the aggregate posterior towards the identity:
//   Cov[mean] = E_b[mean mean^T] - E_b[mean] E_b[mean]^T          (over the batch, divided by B)
//   DIP-I:  M = Cov[mean]
//   DIP-II: M = Cov[mean] + diag(E_b[exp(log_variance)])
//   loss = recon + KL + lambda_od * sum_{i != j} M_ij^2 + lambda_d * sum_i (M_ii - 1)^2,
//   lambda_d = lambda_d_factor * lambda_od   (study: factor 10 for DIP-I, 1 for DIP-II)
#include "nn/model.h"

namespace untangle {

namespace {

class DipVae : public Model {
 public:
  DipVae(const ModelSettings& settings, PhiloxRng& rng)
      : Model(settings, rng), second_kind_(settings.model == "dip_vae_ii") {}

  TrainingLoss training_loss(Tape& tape, const Batch& batch, PhiloxRng& rng, long long) const override {
    const ModelSettings& s = settings_;
    const int B = batch.x.dim(0), D = s.latents;
    GaussianCode code = encode(tape, batch.x);
    Tensor z = sample_gaussian(tape, code, rng);
    Tensor reconstruction = reconstruction_loss(tape, decode(tape, z), batch.x, s.reconstruction);
    Tensor kl = kl_divergence(tape, code, s.reconstruction.reduction);

    Tensor centred = sub(tape, code.mean, mean(tape, code.mean, 0, true));  // (B, D)
    Tensor outer =
        mul(tape, reshape(tape, centred, {B, D, 1}), reshape(tape, centred, {B, 1, D}));  // (B, D, D)
    Tensor covariance = mean(tape, outer, 0);                                             // (D, D)
    if (second_kind_) {
      Tensor mean_variance = reshape(tape, mean(tape, exp(tape, code.log_variance), 0), {1, D});
      covariance = add(tape, covariance,
                       mul(tape, mean_variance, identity(D, covariance.device())));  // + diag(E[var])
    }
    Tensor off_diagonal =
        sum(tape, square(tape, mul(tape, covariance, off_diagonal_mask(D, covariance.device()))));
    Tensor diagonal = sum(tape, mul(tape, covariance, identity(D, covariance.device())), 1);  // (D): M_ii
    Tensor diagonal_penalty = sum(tape, square(tape, add_scalar(tape, diagonal, -1.0f)));
    const float lambda_d = s.lambda_d_factor * s.lambda_od;
    Tensor regulariser =
        add(tape, scale(tape, off_diagonal, s.lambda_od), scale(tape, diagonal_penalty, lambda_d));
    Tensor loss = add(tape, add(tape, reconstruction, kl), regulariser);
    return {loss,
            {{"loss", loss},
             {"reconstruction", reconstruction},
             {"kl", kl},
             {"covariance_off_diagonal", off_diagonal},
             {"covariance_diagonal", diagonal_penalty},
             {"elbo", logged_sum(reconstruction, kl)}}};
  }

 private:
  // Constants made on the host and copied to the device the covariance lives on.
  static Tensor identity(int D, Device device) {
    Tensor eye = Tensor::zeros({D, D});
    for (int i = 0; i < D; ++i) eye.data()[size_t(i) * D + i] = 1.0f;
    return eye.to(device);
  }
  static Tensor off_diagonal_mask(int D, Device device) {
    Tensor mask = Tensor::full({D, D}, 1.0f);
    for (int i = 0; i < D; ++i) mask.data()[size_t(i) * D + i] = 0.0f;
    return mask.to(device);
  }
  bool second_kind_;
};

}  // namespace

std::unique_ptr<Model> make_dip_vae(const ModelSettings& settings, PhiloxRng& rng) {
  return std::make_unique<DipVae>(settings, rng);
}

}  // namespace untangle
