// Training Zietlow et al.'s manipulation network m(w) (§4.4, Fig. 3, appendix B.1) against two sets of
// pretrained β-VAEs on the clean dataset: the most entangled and the most disentangled restarts (one
// model each, or an ensemble as the paper's Shapes3D runs used, 4 + 4).
//
// Their encoders are frozen and see the *original* images x; their decoders keep training, on the
// manipulated images x' = reflect(x + eps m(w)) (nn/manipulation_network.h):
//   decoders:  min over θ  L_rec(dec_θ(z), x')      z ~ q(z|x), several samples per image
//   m:         min over ψ  mean_ent L_rec(dec_ent(z_ent), x') − mean_dis L_rec(dec_dis(z_dis), x')
// so m makes the data cheaper to reconstruct from the entangled codes and dearer from the disentangled
// ones. m gets its gradient through the reconstruction *targets* x' (the decoders' outputs are constants
// in m's step). Adam (0.9, 0.999, eps 1e-7), lr 1e-4 for both; each m update follows
// `decoder_batches_per_step` (3) decoder updates on fresh batches; `latent_samples` (5) codes per image.
//
// Files in the output directory (resumable: run it again and it continues from the state file):
//   manipulation.utg        the trained m(w) with its info (nn/manipulation_network.h); written last
//   manipulation_state.utg  m, the decoders, both optimisers, the step and the random streams
//   manipulation_log.csv    step, m's loss, the entangled and disentangled reconstruction losses on x'
//   manipulation.json       the summary (losses on a fixed evaluation batch before and after, |m|)
#pragma once
#include <string>
#include <vector>

namespace untangle {

struct ManipulationTrainingSettings {
  long long steps = 10000;  // updates of m
  int batch = 64;
  int decoder_batches_per_step = 3;
  int latent_samples = 5;
  float learning_rate = 1e-4f;
  float epsilon = 0.1f;  // 0.1 dSprites, 0.175 Shapes3D (Zietlow et al. §5.2)
  unsigned long long seed = 0;
  std::string device = "auto";
  long long log_every = 50, checkpoint_every = 500;
  int evaluation_batch = 256;  // the fixed batch the summary's losses are measured on
};

// What the summary reports (losses are per image, the runs' own reconstruction loss and reduction,
// averaged over latent samples and over the models of each side).
struct ManipulationSummary {
  double entangled_original = 0, disentangled_original = 0;  // pretrained decoders on x
  double entangled_modified = 0, disentangled_modified = 0;  // trained decoders on x'
  double max_abs_perturbation = 0;  // max |x' - x| over the evaluation batch (<= eps)
  double mean_abs_perturbation = 0;
  long long steps = 0;
};

// Trains (or finishes) m in `directory` and returns the summary. The runs must share one dataset
// (their config.json's), unstandardised inputs and the Bernoulli or MSE loss. Throws on bad input.
ManipulationSummary train_manipulation(const ManipulationTrainingSettings& settings,
                                       const std::vector<std::string>& entangled_runs,
                                       const std::vector<std::string>& disentangled_runs,
                                       const std::string& directory);

// True when directory/manipulation.json exists (training finished); the summary it holds.
bool manipulation_finished(const std::string& directory);
ManipulationSummary read_manipulation_summary(const std::string& directory);

}  // namespace untangle
