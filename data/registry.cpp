// make_dataset: name -> dataset; see registry.h.
#include "data/registry.h"

#include "core/check.h"
#include "data/dsprites.h"
#include "data/noisy_dataset.h"
#include "data/real_files.h"
#include "data/shapes3d.h"
#include "data/xysquares.h"

namespace untangle {

std::vector<std::string> dataset_names() {
  return {"xysquares", "xysquares_grey", "xysquares_single", "dsprites", "shapes3d"};
}

std::unique_ptr<GroundTruthDataset> make_dataset(const std::string& name, const DatasetOptions& options) {
  const bool is_xysquares = name.rfind("xysquares", 0) == 0;
  require(is_xysquares || options.spacing == 8, "--spacing only applies to the xysquares datasets, not '",
          name, "'");
  // untangle's own exports read back for every dataset; the real files exist for two of them.
  const bool exported = !options.data_file.empty() && is_exported_npz(options.data_file);
  require(options.data_file.empty() || exported || name == "dsprites" || name == "shapes3d",
          "--data-file only applies to dsprites and shapes3d (or to an `untangle data --export` file), not '",
          name, "'");
  std::unique_ptr<GroundTruthDataset> dataset;
  if (exported) {
    DatasetOptions procedural;
    procedural.spacing = options.spacing;
    dataset = read_exported_npz(options.data_file, *make_dataset(name, procedural));
  } else if (name == "xysquares") {
    dataset = std::make_unique<XYSquaresDataset>(options.spacing, XYSquaresVariant::Rgb);
  } else if (name == "xysquares_grey") {
    dataset = std::make_unique<XYSquaresDataset>(options.spacing, XYSquaresVariant::Grey);
  } else if (name == "xysquares_single") {
    dataset = std::make_unique<XYSquaresDataset>(options.spacing, XYSquaresVariant::Single);
  } else if (name == "dsprites") {
    dataset = options.data_file.empty() ? std::make_unique<DSpritesDataset>()
                                        : read_dsprites_npz(options.data_file);
  } else if (name == "shapes3d") {
    dataset =
        options.data_file.empty() ? std::make_unique<Shapes3DDataset>() : read_shapes3d_h5(options.data_file);
  } else {
    std::string known;
    for (const std::string& n : dataset_names()) known += (known.empty() ? "" : ", ") + n;
    fail("unknown dataset '", name, "' (known: ", known, ")");
  }
  if (options.noise > 0.0f)
    dataset = std::make_unique<NoisyDataset>(std::move(dataset), options.noise, options.noise_seed);
  if (options.manipulation)
    dataset = std::make_unique<ManipulatedDataset>(std::move(dataset), options.manipulation,
                                                   options.manipulation_epsilon);
  return dataset;
}

}  // namespace untangle
