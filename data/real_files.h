// Readers for the real dataset files, when a user has them (selected with --data-file PATH):
//   dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz — zip of .npy members; `imgs` (737280, 64, 64) uint8
//     0/1 and the factor grid [1, 3, 6, 40, 32, 32] in `metadata` (docs/reference/datasets.md); the
//     colour factor (size 1) is dropped.
//   3dshapes.h5 — HDF5; `images` (480000, 64, 64, 3) uint8, `labels` (480000, 6) float64, rows in the
//     factor grid's row-major order (docs/reference/datasets.md "shapes3d").
// Both load the whole table into memory (3 GB and 5.9 GB for the full files), as disent's
// in_memory=True does; smaller files in the same layout (fixtures) are accepted when their row count
// matches a grid that a `factor_sizes` attribute / the labels describe.
// untangle's own exports (below) round-trip the same way, for every dataset.
#pragma once
#include <memory>
#include <string>

#include "data/dataset.h"

namespace untangle {

std::unique_ptr<GroundTruthDataset> read_dsprites_npz(const std::string& path);
std::unique_ptr<GroundTruthDataset> read_shapes3d_h5(const std::string& path);

// Files written by `untangle data --export` (any dataset): `images` (N, H, W) or (N, H, W, C) uint8,
// `factors` (N, K) int64, `factor_sizes` (K,) int64, and the text arrays `factor_names` (K,) and
// `dataset` (1,). Readable back with --data-file when they hold the whole grid in index order (an
// export without --count). `like` is the procedural dataset of the same name: its factor names must
// match the file's, and it says which factors are categorical.
bool is_exported_npz(const std::string& path);
std::unique_ptr<GroundTruthDataset> read_exported_npz(const std::string& path,
                                                      const GroundTruthDataset& like);

}  // namespace untangle
