// The "perceived" distance between two observations: what a reconstruction loss sees when it compares
// them. Michlo et al. (arXiv 2202.13341, §3) argue that a VAE
// orders its latent space by these distances, so they are measured on factor traversals
// (metrics/distance_matrices.h) and compared with the ground-truth distances.
//
//   mse    mean over C·H·W of (a − b)²                            (the paper's perceived distance)
//   bce    mean over C·H·W of the binary cross-entropy, averaged over both directions (a as target of
//          b and b as target of a), with the prediction clamped to [1e-4, 1 − 1e-4] so that binary
//          images give finite numbers
//   blur   disent's augmented loss mse_box_r31_l1.0_k3969.0 (disent's frameworks/helper/reconstructions.py;
//   docs/models.md) between
//          two images: mean over C·H·W of (a − b)² + 3969·(K a − K b)², K the 63×63 'same' zero-padded
//          box blur. K is linear, so K a − K b = K (a − b): one blur of the difference per pair.
// All on [0, 1] images, not standardised (docs/reference/metrics.md "Distance matrices": disent's plots use
// plain [0, 1] floats).
#pragma once
#include <string>
#include <vector>

#include "metrics/distance_matrices.h"

namespace untangle {

// The losses `untangle distances --loss` accepts: mse, bce, blur.
const std::vector<std::string>& perceived_distance_names();

// The distance called `name` for observations of shape (channels, height, width). Safe to call from
// several threads at once.
ObservationDistance perceived_distance(const std::string& name, size_t channels, size_t height, size_t width);

}  // namespace untangle
