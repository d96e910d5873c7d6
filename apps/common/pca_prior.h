// The anisotropic prior's variances from the data (Mathieu et al. 2019; iffsid/disentangling-
// disentanglement src/models/datasets.py DspritesDataset.compute_pca, src/models/vae.py init_pz: the prior's
// log-variances start from the logs of the data's PCA spectrum).
#pragma once
#include <string>
#include <vector>

#include "data/dataset.h"

namespace untangle {

// The `latents` largest eigenvalues of the uncentred second-moment matrix (1/N) X^T X of the images (rows
// of `images`, (rows, pixels) row-major), in descending order. Upstream takes the squared singular values
// of the raw image matrix: the same numbers times N, a factor the prior's softmax normalisation removes.
// Computed through the (rows x rows) Gram matrix, so `rows` should be a few hundred. Eigenvalues that are
// zero (fewer independent images than latents) are raised to 1e-12 of the largest, so their logs exist.
std::vector<double> pca_spectrum(const std::vector<float>& images, size_t rows, size_t pixels, int latents);

// pca_spectrum of `rows` observations of `dataset` drawn uniformly with `seed` (images in [0, 1]).
std::vector<double> dataset_pca_spectrum(const GroundTruthDataset& dataset, int latents, size_t rows,
                                         unsigned long long seed);

// The spectrum as the text of the prior_variances setting: comma-separated, each number exact.
std::string variances_text(const std::vector<double>& variances);

}  // namespace untangle
