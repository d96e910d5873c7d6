// Slow-VAE (Klindt, Schott, Sharma et al., "Towards nonlinear disentanglement in natural data with
// temporal sparse coding", ICLR 2021; bethgelab/slow_disentanglement/scripts/solver.py, Solver.train and
// Solver.compute_cross_ent_combined / compute_cross_ent_laplace). A VAE trained on pairs of consecutive
// frames whose prior for one frame's code, given the other's, is a Laplace centred on it: the code may
// change between frames, but sparsely.
//   x = frames t, x_pair = frames t+1: (P, C, H, W) each; the encoder and decoder see all 2P images
//   z ~ q(z|x) = N(mu, s^2) per image (reparameterised: one (2P, D) noise fill, frames t in its first rows)
//   recon      = reconstruction_loss over the 2P images (the reference's BCE summed and divided by 2P)
//   KL_normal  = KL(q || N(0, I)), summed over latents, averaged over the 2P images
//   CE_laplace = per pair and latent, the cross-entropy of q_t = N(mu_t, s_t^2) under the Laplace with
//                location mu_{t+1} and rate lambda (nn/laplace_prior.h):
//                  -log(lambda/2) + lambda E|Y|,  Y ~ N(m, s_t^2),  m = mu_t - mu_{t+1}
//                  E|Y| = s sqrt(2/pi) exp(-m^2/(2 s^2)) + m (1 - 2 Phi(-m/s))
//                       = s sqrt(2/pi) exp(-u^2/2) + m erf(u/sqrt 2),  u = m/s   (folded normal mean)
//                plus the same for frame t+1 against location mu_t with s_{t+1} ("both ways");
//                summed over latents, averaged over the P pairs
//   H          = entropy of q, 1/2 (log s^2 + log 2 pi e), summed over latents, averaged over the 2P images
//   KL_laplace = CE_laplace - H
//   loss       = 2 recon + beta KL_normal + gamma KL_laplace        (defaults beta 1, gamma 10, lambda 6)
// The 2 makes the reconstruction a per-pair sum, like CE_laplace. Gradients reach the encoder through both
// frames' means in both directions (the reference detaches nothing).
//
// Quirk reproduced: H is averaged over all 2P images, so it is half of a pair's entropy, while CE_laplace
// sums both directions of the pair; KL_laplace is therefore not the KL of either direction (it exceeds
// their sum by the mean per-image entropy, so the loss carries an extra gamma * H that rewards narrower
// posteriors). We keep the reference's value, since its results were obtained with it.
// Under the run's `mean` reduction (disent's convention) every term is also averaged over the latents
// (recon over the pixels), as the other models do; `sum` (the default) is the reference's.
// Logged: loss, reconstruction (per image), kl (KL_normal), kl_laplace, sparsity (mean |mu_t - mu_{t+1}|
// over pairs and latents, the reference's compute_sparsity(normed=False)), elbo (recon + KL_normal: the
// per-image bound under the N(0, I) prior, the column every other VAE logs).
#include "core/check.h"
#include "nn/laplace_prior.h"
#include "nn/model.h"

namespace untangle {

namespace {

constexpr double kLogTwoPiE = 2.8378770664093453;  // log(2 pi e)

class SlowVae : public Model {
 public:
  SlowVae(const ModelSettings& settings, PhiloxRng& rng) : Model(settings, rng) {
    require(settings.rate_prior > 0, "model 'slow_vae': rate_prior must be positive, got ",
            settings.rate_prior);
  }

  PairSampling pair_sampling() const override { return PairSampling::Temporal; }
  // Every step queues the same device work (the constants are kernel arguments, the noise comes from
  // the Philox fill): a graph can replay it.
  bool can_capture_step() const override { return true; }

  TrainingLoss training_loss(Tape& tape, const Batch& batch, PhiloxRng& rng, long long) const override {
    const ModelSettings& s = settings_;
    require(batch.x_pair.defined() && batch.x_pair.shape() == batch.x.shape(), "model '", s.model,
            "' trains on temporal pairs: the batch needs x_pair (frames t+1) with the shape of x (frames t)");
    const int pairs = batch.x.dim(0);
    Tensor frames = concat(tape, {batch.x, batch.x_pair}, 0);  // (2P, C, H, W): frames t, then frames t+1
    GaussianCode code = encode(tape, frames);                  // (2P, D) each
    Tensor z = sample_gaussian(tape, code, rng);
    Tensor reconstruction = reconstruction_loss(tape, decode(tape, z), frames, s.reconstruction);
    Tensor kl_normal = kl_divergence(tape, code, s.reconstruction.reduction);

    // Frames t and t+1 as two (P, D) posteriors; each one's Laplace prior sits at the other's mean.
    auto rows = [&](const Tensor& t, int first) { return slice(tape, t, 0, first, first + pairs); };
    const GaussianCode earlier{rows(code.mean, 0), rows(code.log_variance, 0)};
    const GaussianCode later{rows(code.mean, pairs), rows(code.log_variance, pairs)};
    Tensor cross_entropy_laplace =
        per_example(tape,
                    sum(tape, add(tape, laplace_cross_entropy(tape, earlier, later.mean, s.rate_prior),
                                  laplace_cross_entropy(tape, later, earlier.mean, s.rate_prior))),
                    pairs);
    Tensor entropy = per_example(
        tape, sum(tape, add_scalar(tape, scale(tape, code.log_variance, 0.5f), float(0.5 * kLogTwoPiE))),
        2 * pairs);
    Tensor kl_laplace = sub(tape, cross_entropy_laplace, entropy);

    Tensor loss = add(tape, add(tape, scale(tape, reconstruction, 2.0f), scale(tape, kl_normal, s.beta)),
                      scale(tape, kl_laplace, s.gamma));
    Tape untracked = Tape::evaluation();  // the logged sparsity trains nothing
    Tensor sparsity = mean(untracked, abs(untracked, sub(untracked, earlier.mean, later.mean)));
    return {loss,
            {{"loss", loss},
             {"reconstruction", reconstruction},
             {"kl", kl_normal},
             {"kl_laplace", kl_laplace},
             {"sparsity", sparsity},
             {"elbo", logged_sum(reconstruction, kl_normal)}}};
  }

 private:
  // A sum over `rows` examples of D latents each, as the run's reduction says: per example (sum, the
  // reference's) or per latent of an example (mean).
  Tensor per_example(Tape& tape, const Tensor& total, int rows) const {
    const bool per_latent = settings_.reconstruction.reduction == LossReduction::Mean;
    return scale(tape, total, 1.0f / (float(rows) * (per_latent ? float(settings_.latents) : 1.0f)));
  }
};

}  // namespace

std::unique_ptr<Model> make_slow_vae(const ModelSettings& settings, PhiloxRng& rng) {
  return std::make_unique<SlowVae>(settings, rng);
}

}  // namespace untangle
