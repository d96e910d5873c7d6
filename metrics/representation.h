// The representation-function interface: how metrics see a trained model. disentanglement_lib
// evaluates a "representation function" that maps a batch of observations to codes (the encoder mean
// for the reported "mean" representation); untangle does the same, so `untangle eval` and periodic
// evaluation during training can compute every metric straight from a model and a dataset.
#pragma once
#include <cstddef>
#include <functional>

#include "data/dataset.h"
#include "metrics/code_source.h"

namespace untangle {

// images: (batch, C, H, W) in [0, 1] as GroundTruthDataset renders them -> codes: (batch, num_codes).
// It is called from one thread at a time; it may use threads (or a GPU) inside.
using RepresentationFunction = std::function<void(const float* images, size_t batch, float* codes)>;

// Observations rendered from a dataset and encoded by a representation, chunk by chunk
// (disentanglement_lib's generate_batch_factor_code uses chunks of 16; FactorVAE/β-VAE batches of 64).
class DatasetCodeSource final : public GridCodeSource {
 public:
  // The dataset and representation are referenced, not copied: they must outlive this source.
  DatasetCodeSource(const GroundTruthDataset& dataset, RepresentationFunction representation,
                    size_t num_codes, size_t chunk_size = 64);
  size_t num_codes() const override { return num_codes_; }

 protected:
  std::vector<double> encode_factors(const std::vector<size_t>& factors, size_t n) const override;

 private:
  const GroundTruthDataset& dataset_;
  RepresentationFunction representation_;
  size_t num_codes_, chunk_size_;
};

}  // namespace untangle
