// The figures of a run and of a dataset, as labelled PNG pictures:
//  - reconstructions: originals above their reconstructions;
//  - latent traversals: one row per latent, sorted by the latent's KL to N(0, 1) (largest first, so the
//    informative latents come first and collapsed ones last, as disentanglement_lib's visualize_model and
//    disent's latent-cycle figures are usually read), the latent's value swept over [-range, range] with
//    the others held at one observation's posterior mean; each row says which latent it is and its KL;
//  - a traversal animation (APNG): every latent at once, a column each, for several observations;
//  - a dataset preview: random samples, then one traversal per ground-truth factor, rows named by factor.
// All drawn on apps/common/canvas.h. Used by the trainer at the end of a run and by `untangle visualize`.
#pragma once
#include <string>
#include <vector>

#include "apps/common/trained_run.h"

namespace untangle {

// rows: image batches (N, C, H, W) in [0, 1] (C = 1 or 3); row r's first `columns` images become row r
// of an RGB PNG grid with 2-pixel white borders.
void write_image_grid(const std::string& path, const std::vector<Tensor>& rows, int columns);

// Each latent's KL(q(z_d | x) || N(0, 1)) averaged over `points` observations drawn with `rng`:
// 0.5 (mu² + σ² − 1 − log σ²) per dimension. A latent the model does not use sits near 0.
std::vector<double> latent_kl(const Model& model, const GroundTruthDataset& dataset,
                              const InputPipeline& inputs, PhiloxRng& rng, size_t points);
// Latent indices by KL, largest first; ties keep index order.
std::vector<int> latents_by_kl(const std::vector<double>& kl);

struct TraversalOptions {
  double range = 2.0;  // each latent is swept over [-range, range]
  int steps = 9;       // images per row (values evenly spaced, both ends included)
  size_t zoom = 1;     // pixel magnification of the images
  std::string title;   // first line of the figure; empty = a default naming what the figure shows
};

void write_reconstruction_figure(const std::string& path, const Model& model,
                                 const GroundTruthDataset& dataset, const InputPipeline& inputs,
                                 PhiloxRng& rng, int count = 8, size_t zoom = 1);
// kl: latent_kl's values, which order and label the rows (computed once by the caller for every figure).
void write_traversal_figure(const std::string& path, const Model& model, const GroundTruthDataset& dataset,
                            const InputPipeline& inputs, const std::vector<double>& kl, PhiloxRng& rng,
                            const TraversalOptions& options = {});

struct AnimationOptions {
  double range = 2.0;  // every latent is swept over [-range, range] and back
  int frames = 24;     // frames of one sweep there and back
  int samples = 3;     // observations, one row each
  size_t zoom = 1;
  unsigned frame_milliseconds = 80;
};

// An animated PNG: a column per latent (sorted by KL, labelled), a row per observation; in frame t every
// latent of its column is at the same value, which moves -range -> range -> -range over the animation.
void write_traversal_animation(const std::string& path, const Model& model, const GroundTruthDataset& dataset,
                               const InputPipeline& inputs, const std::vector<double>& kl, PhiloxRng& rng,
                               const AnimationOptions& options = {});

// Two rows of random samples, then one traversal per factor (evenly spaced values over the factor's range,
// up to 10 per row), each row labelled with its factor's name.
void write_dataset_preview(const std::string& path, const GroundTruthDataset& dataset, PhiloxRng& rng,
                           size_t zoom = 1);

}  // namespace untangle
