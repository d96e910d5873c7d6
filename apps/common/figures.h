// The figures of a run: reconstructions (originals above their reconstructions) and latent traversals
// (one row per latent, its value swept over [-2, 2] around a sample's posterior mean, others fixed),
// written as PNG image grids.
#pragma once
#include <string>

#include "apps/common/trained_run.h"

namespace untangle {

// rows: image batches (N, C, H, W) in [0, 1] (C = 1 or 3); row r's first `columns` images become row r
// of an RGB PNG grid with 2-pixel white borders.
void write_image_grid(const std::string& path, const std::vector<Tensor>& rows, int columns);

void write_reconstruction_figure(const std::string& path, const Model& model, const GroundTruthDataset& dataset,
                                 const InputPipeline& inputs, PhiloxRng& rng, int count = 8);
void write_traversal_figure(const std::string& path, const Model& model, const GroundTruthDataset& dataset,
                            const InputPipeline& inputs, PhiloxRng& rng, int steps = 9);

}  // namespace untangle
