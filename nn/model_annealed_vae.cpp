// AnnealedVAE (Burgess et al. 2018, "Understanding disentangling in beta-VAE"; disentanglement_lib vae.py
// AnnealedVAE and anneal): the KL is pulled towards a capacity C that grows linearly.
//   C(step) = min(c_max, c_max * step / iteration_threshold)
//   loss = recon + gamma * |KL - C(step)|
// Study values: gamma = 1000, iteration_threshold = 100000, c_max in {5, 10, 25, 50, 75, 100}.
#include <algorithm>

#include "nn/model.h"

namespace untangle {

namespace {

class AnnealedVae : public Model {
 public:
  using Model::Model;

  TrainingLoss training_loss(Tape& tape, const Batch& batch, PhiloxRng& rng, long long step) const override {
    const ModelSettings& s = settings_;
    GaussianCode code = encode(tape, batch.x);
    Tensor z = sample_gaussian(tape, code, rng);
    Tensor reconstruction = reconstruction_loss(tape, decode(tape, z), batch.x, s.reconstruction);
    Tensor kl = kl_divergence(tape, code, s.reconstruction.reduction);
    const double capacity = std::min<double>(
        s.c_max, double(s.c_max) * double(step) / double(std::max(s.iteration_threshold, 1LL)));
    Tensor loss =
        add(tape, reconstruction, scale(tape, abs(tape, add_scalar(tape, kl, -float(capacity))), s.gamma));
    return {loss,
            {{"loss", loss},
             {"reconstruction", reconstruction},
             {"kl", kl},
             {"capacity", logged_value(capacity)},
             {"elbo", logged_sum(reconstruction, kl)}}};
  }
};

}  // namespace

std::unique_ptr<Model> make_annealed_vae(const ModelSettings& settings, PhiloxRng& rng) {
  return std::make_unique<AnnealedVae>(settings, rng);
}

}  // namespace untangle
