#include "apps/common/pca_prior.h"

#include <algorithm>
#include <cstdio>

#include "core/check.h"
#include "kernels/cpu/philox.h"
#include "metrics/symmetric_eigen.h"

namespace untangle {

std::vector<double> pca_spectrum(const std::vector<float>& images, size_t rows, size_t pixels, int latents) {
  require(images.size() == rows * pixels, "pca_spectrum: ", images.size(), " values for ", rows, " x ",
          pixels);
  require(latents > 0 && size_t(latents) <= rows, "pca_spectrum: ", latents,
          " eigenvalues need at least as many rows, got ", rows);
  // The nonzero eigenvalues of X^T X (pixels x pixels) are those of X X^T (rows x rows).
  std::vector<double> gram(rows * rows, 0.0);
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = i; j < rows; ++j) {
      double dot = 0.0;
      for (size_t p = 0; p < pixels; ++p) dot += double(images[i * pixels + p]) * images[j * pixels + p];
      gram[i * rows + j] = gram[j * rows + i] = dot / double(rows);
    }
  std::vector<double> values = symmetric_eigenvalues(gram, rows);
  values.resize(size_t(latents));
  for (double& v : values) v = std::max(v, 1e-12 * values.front());
  return values;
}

std::vector<double> dataset_pca_spectrum(const GroundTruthDataset& dataset, int latents, size_t rows,
                                         unsigned long long seed) {
  PhiloxRng rng(seed);
  std::vector<size_t> indices(rows);
  for (size_t& index : indices) index = size_t(rng.next_below(dataset.size()));
  std::vector<float> images(rows * dataset.observation_size());
  dataset.render_batch(indices, images.data());
  return pca_spectrum(images, rows, dataset.observation_size(), latents);
}

std::string variances_text(const std::vector<double>& variances) {
  std::string text;
  char buffer[40];
  for (double v : variances) {
    std::snprintf(buffer, sizeof(buffer), "%.17g", v);
    text += (text.empty() ? "" : ",") + std::string(buffer);
  }
  return text;
}

}  // namespace untangle
