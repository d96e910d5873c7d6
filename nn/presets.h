// The training conventions of the reference codebases, as data. A preset sets the loss, its
// reduction, the optimiser, the batch size, the initialiser, the architecture and whether inputs are
// standardised; the trainer applies one, then the model's own values and the user's flags.
// Sources: docs/reference/models.md "Presets".
//   disentanglement_lib: Bernoulli on logits, sum over pixels, Adam lr 1e-4,
//     batch 64, Glorot-uniform, conv_encoder/deconv_decoder, inputs in [0, 1]; Ada-* threshold on
//     the asymmetric KL (weak_vae.py)
//   disent: MSE, mean over elements, Adam lr 1e-3, batch 256, Xavier-normal,
//     vae_conv64 ("burgess"), inputs standardised per channel ((x - mean)/std, targets too); Ada-*
//     threshold on the symmetric KL (disent's adavae configs, thresh_mode symmetric_kl)
//   weak_disentangle (Shu et al. 2020, google-research weak_disentangle/configs/gan.gin): the weak GAN's
//     own codebase: a sigmoid image (Bernoulli logits; the GAN has no reconstruction loss, so the
//     reduction is unused), generator lr 1e-3 (dec_lr), batch 64, "keras" init = Glorot-uniform, its own
//     networks ("weak_gan"), inputs in [0, 1], and one latent per factor (s_dim = factors, n_dim = 0)
//   mathieu2019 (Mathieu et al. 2019, iffsid/disentangling-disentanglement src/experimental_settings/
//     independance.sh and src/models/vae_dsprites.py): Bernoulli on logits summed over pixels, Adam lr 5e-4,
//     batch 64, inputs in [0, 1]. Upstream's Adam uses amsgrad and its networks are conv 32-32-64-64 + FC
//     128; here plain Adam and disentanglement_lib's conv encoder/decoder (FC 256), the closest we have.
#pragma once
#include <string>
#include <vector>

#include "nn/model.h"

namespace untangle {

struct ConventionPreset {
  const char* name;
  ReconstructionKind reconstruction;
  LossReduction reduction;
  float learning_rate;
  int batch_size;
  bool standardise_inputs;  // a dataset option: the trainer passes it to the data pipeline
  Initializer initializer;
  const char* architecture;
  const char* ada_divergence;  // ada_gvae / ada_mlvae: the divergence their threshold uses
  bool latents_from_factors;   // the code has one coordinate per ground-truth factor of the dataset
};

inline const std::vector<ConventionPreset>& convention_presets() {
  static const std::vector<ConventionPreset> presets = {
      {"disentanglement_lib", ReconstructionKind::Bernoulli, LossReduction::Sum, 1e-4f, 64, false,
       Initializer::GlorotUniform, "conv", "asymmetric_kl", false},
      {"disent", ReconstructionKind::Mse, LossReduction::Mean, 1e-3f, 256, true, Initializer::XavierNormal,
       "burgess", "symmetric_kl", false},
      {"weak_disentangle", ReconstructionKind::Bernoulli, LossReduction::Sum, 1e-3f, 64, false,
       Initializer::GlorotUniform, "weak_gan", "asymmetric_kl", true},
      {"mathieu2019", ReconstructionKind::Bernoulli, LossReduction::Sum, 5e-4f, 64, false,
       Initializer::GlorotUniform, "conv", "asymmetric_kl", false},
  };
  return presets;
}

// The preset called `name`; an unknown name is an error listing the known ones.
const ConventionPreset& find_convention_preset(const std::string& name);

// The preset a model trains under unless told otherwise: the weak GAN under its own codebase's
// (weak_disentangle), the decomposition VAE under Mathieu et al.'s (mathieu2019), every other model under
// the study's (disentanglement_lib).
std::string default_convention_preset(const std::string& model);

// Sets the model-side fields of a preset (loss, reduction, learning rate, initialiser, architecture, the
// Ada models' divergence);
// batch size and standardisation are the trainer's and the data's.
void apply_convention_preset(const ConventionPreset& preset, ModelSettings& settings);

}  // namespace untangle
