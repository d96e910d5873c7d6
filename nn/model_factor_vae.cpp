// FactorVAE (Kim & Mnih 2018; disentanglement_lib vae.py FactorVAE;
// docs/reference/models.md "factor_vae"). A discriminator estimates the total correlation of q(z) by the
// density-ratio trick, and the VAE is penalised by it:
//   z ~ q(z|x);  logits = D(z) (B, 2)
//   TC   = mean_b (logit0(z_b) - logit1(z_b))                  (class 0 = "real" q(z))
//   loss = recon + KL + gamma * TC
//   z~   = permute_dims(z): each latent column shuffled across the *same* batch (as disentanglement_lib;
//          the paper draws a second batch)
//   discriminator loss = -(0.5 mean log p0(z) + 0.5 mean log p1(z~)),  p = softmax(D(.))
// The two are trained simultaneously from this one forward pass, each by its own Adam (the VAE's, and
// lr 1e-4, beta1 0.5, beta2 0.9 for the discriminator). The objective is their sum with the cross paths
// cut: TC sees the discriminator's weights through stop_gradient (it trains the encoder only), and the
// discriminator sees the codes through stop_gradient (its loss does not reach the encoder).
//
// Reference quirk not reproduced: disentanglement_lib's two minimize() calls both advance global_step,
// so its FactorVAE runs half as many updates as training_steps says; here a step is one update of each.
#include "nn/discriminator.h"
#include "nn/model.h"

namespace untangle {

namespace {

class FactorVae : public Model {
 public:
  FactorVae(const ModelSettings& settings, PhiloxRng& rng)
      : Model(settings, rng),
        discriminator_(settings.latents, rng, settings.discriminator_width,
                       settings.discriminator_hidden_layers, settings.initializer) {}

  std::vector<ParameterGroup> parameter_groups() const override {
    std::vector<ParameterGroup> groups = Model::parameter_groups();
    ParameterList list;
    discriminator_.collect(list, "discriminator");
    groups.push_back({"discriminator", list, settings_.discriminator_optimizer});
    return groups;
  }

  TrainingLoss training_loss(Tape& tape, const Batch& batch, PhiloxRng& rng, long long) const override {
    const ModelSettings& s = settings_;
    GaussianCode code = encode(tape, batch.x);
    Tensor z = sample_gaussian(tape, code, rng);  // (B, D)
    Tensor reconstruction = reconstruction_loss(tape, decode(tape, z), batch.x, s.reconstruction);
    Tensor kl = kl_divergence(tape, code, s.reconstruction.reduction);

    Tensor logits = discriminator_.forward_frozen(tape, z);  // (B, 2)
    Tensor tc = mean(tape, sub(tape, slice(tape, logits, 1, 0, 1), slice(tape, logits, 1, 1, 2)));
    Tensor vae_loss = add(tape, add(tape, reconstruction, kl), scale(tape, tc, s.gamma));

    Tensor codes = stop_gradient(z);                            // (B, D)
    Tensor permuted_codes = shuffle_columns(tape, codes, rng);  // (B, D)
    Tensor critic_loss = discriminator_loss(tape, discriminator_.forward(tape, codes),
                                            discriminator_.forward(tape, permuted_codes));

    return {add(tape, vae_loss, critic_loss),
            {{"loss", vae_loss},
             {"reconstruction", reconstruction},
             {"kl", kl},
             {"tc", tc},
             {"discriminator_loss", critic_loss},
             {"elbo", logged_sum(reconstruction, kl)}}};
  }

 private:
  Discriminator discriminator_;
};

}  // namespace

std::unique_ptr<Model> make_factor_vae(const ModelSettings& settings, PhiloxRng& rng) {
  return std::make_unique<FactorVae>(settings, rng);
}

}  // namespace untangle
