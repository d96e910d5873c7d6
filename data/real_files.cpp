// Readers for the real dSprites / Shapes3D files; see real_files.h.
#include "data/real_files.h"

#include <algorithm>
#include <cmath>

#include "core/bounded_reader.h"
#include "core/check.h"
#include "data/hdf5.h"
#include "data/image_table_dataset.h"
#include "data/npz.h"

namespace untangle {

namespace {

// Checks that row i of `classes` (N x K factor indices) is the row-major unravel of i over `sizes`:
// the readers rely on the rows being in grid order, as both real files are.
void require_grid_order(const std::vector<int64_t>& classes, size_t rows, size_t columns,
                        const std::vector<size_t>& sizes, size_t first_column, const std::string& source) {
  for (size_t i = 0; i < rows; ++i) {
    size_t rest = i;
    for (size_t k = sizes.size(); k-- > 0;) {
      int64_t expected = int64_t(rest % sizes[k]);
      rest /= sizes[k];
      require(classes[i * columns + first_column + k] == expected, source, ": row ", i,
              " is not in the factor grid's row-major order (factor ", k, " is ",
              classes[i * columns + first_column + k], ", expected ", expected, ")");
    }
  }
}

}  // namespace

std::unique_ptr<GroundTruthDataset> read_dsprites_npz(const std::string& path) {
  std::map<std::string, NpyArray> arrays = read_npz(path, {"imgs", "latents_classes"});
  require(arrays.count("imgs"), path, ": no 'imgs' array (is this the dSprites npz?)");
  require(arrays.count("latents_classes"), path, ": no 'latents_classes' array (is this the dSprites npz?)");
  NpyArray& images = arrays["imgs"];
  const NpyArray& classes_array = arrays["latents_classes"];
  require(images.dtype == DType::UInt8 && images.shape.size() == 3, path,
          ": 'imgs' must be N x H x W uint8, got ", dtype_name(images.dtype), " with ", images.shape.size(),
          " dimensions");
  require(classes_array.shape.size() == 2 && classes_array.shape[1] == 6 &&
              classes_array.shape[0] == images.shape[0],
          path, ": 'latents_classes' must be N x 6 (colour, shape, scale, orientation, x, y) with N = ",
          images.shape[0]);
  const size_t rows = images.shape[0];
  std::vector<int64_t> classes = classes_array.as_int64();
  // The grid is read off the labels: size of factor k = largest class + 1.
  std::vector<size_t> sizes(6, 0);
  for (size_t i = 0; i < rows; ++i)
    for (size_t k = 0; k < 6; ++k) {
      int64_t v = classes[i * 6 + k];
      require(v >= 0, path, ": negative latent class in row ", i);
      sizes[k] = std::max(sizes[k], size_t(v) + 1);
    }
  require(sizes[0] == 1, path, ": expected a single colour (latents_classes column 0), found ", sizes[0]);
  size_t grid = 1;
  for (size_t s : sizes) grid = checked_multiply(grid, s, path + ": 'latents_classes' factor grid");
  require(grid == rows, path, ": ", rows, " images do not fill the ", grid, "-point factor grid");
  require_grid_order(classes, rows, 6, sizes, 0, path);
  for (uint8_t v : images.bytes) require(v <= 1, path, ": 'imgs' must hold 0/1 pixels, found ", int(v));
  return std::make_unique<ImageTableDataset>(
      "dsprites", std::vector<std::string>{"shape", "scale", "orientation", "x", "y"},
      std::vector<size_t>(sizes.begin() + 1, sizes.end()),
      std::vector<bool>{true, false, false, false, false}, images.shape[1], images.shape[2], 1,
      std::move(images.bytes), 1.0f);
}

std::unique_ptr<GroundTruthDataset> read_shapes3d_h5(const std::string& path) {
  Hdf5File file(path);
  NpyArray images = file.read_dataset("images");
  NpyArray labels = file.read_dataset("labels");
  require(images.dtype == DType::UInt8 && images.shape.size() == 4 && images.shape[3] == 3, path,
          ": 'images' must be N x H x W x 3 uint8");
  require(labels.shape.size() == 2 && labels.shape[1] == 6 && labels.shape[0] == images.shape[0], path,
          ": 'labels' must be N x 6 (floor hue, wall hue, object hue, scale, shape, orientation) with N = ",
          images.shape[0]);
  const size_t rows = images.shape[0];
  std::vector<double> values = labels.as_double();
  // Factor index = rank of the label value among the column's distinct values (the file stores values).
  std::vector<std::vector<double>> distinct(6);
  for (size_t k = 0; k < 6; ++k) {
    for (size_t i = 0; i < rows; ++i) distinct[k].push_back(values[i * 6 + k]);
    std::sort(distinct[k].begin(), distinct[k].end());
    distinct[k].erase(std::unique(distinct[k].begin(), distinct[k].end(),
                                  [](double a, double b) { return std::fabs(a - b) < 1e-6; }),
                      distinct[k].end());
  }
  std::vector<size_t> sizes(6);
  size_t grid = 1;
  for (size_t k = 0; k < 6; ++k)
    grid = checked_multiply(grid, sizes[k] = distinct[k].size(), path + ": 'labels' factor grid");
  require(grid == rows, path, ": ", rows, " images do not fill the ", grid,
          "-point grid their labels describe");
  std::vector<int64_t> classes(rows * 6);
  for (size_t i = 0; i < rows; ++i)
    for (size_t k = 0; k < 6; ++k)
      classes[i * 6 + k] =
          int64_t(std::lower_bound(distinct[k].begin(), distinct[k].end(), values[i * 6 + k] - 1e-6) -
                  distinct[k].begin());
  require_grid_order(classes, rows, 6, sizes, 0, path);
  return std::make_unique<ImageTableDataset>(
      "shapes3d",
      std::vector<std::string>{"floor_hue", "wall_hue", "object_hue", "scale", "shape", "orientation"}, sizes,
      std::vector<bool>{false, false, false, false, true, false}, images.shape[1], images.shape[2], 3,
      std::move(images.bytes), 1.0f / 255.0f);
}

bool is_exported_npz(const std::string& path) {
  const size_t n = path.size();
  return n > 4 && path.compare(n - 4, 4, ".npz") == 0 && !read_npz_members(path, {"factor_sizes"}).empty();
}

std::unique_ptr<GroundTruthDataset> read_exported_npz(const std::string& path,
                                                      const GroundTruthDataset& like) {
  std::map<std::string, std::vector<uint8_t>> members = read_npz_members(path);
  for (const char* name : {"images", "factors", "factor_sizes", "factor_names", "dataset"})
    require(members.count(name), path, ": no '", name,
            "' array (written by an older `untangle data --export`?)");
  const std::vector<std::string> dataset = parse_npy_text(members["dataset"], path + " member dataset.npy");
  require(dataset.size() == 1 && dataset[0] == like.name(), path, ": holds dataset '",
          dataset.empty() ? "" : dataset[0], "', not '", like.name(), "' (give --dataset ",
          dataset.empty() ? "?" : dataset[0], ")");
  const std::vector<std::string> names =
      parse_npy_text(members["factor_names"], path + " member factor_names.npy");
  require(names == like.factor_names(), path, ": factor names do not match dataset '", like.name(), "'");
  NpyArray images = parse_npy(std::move(members["images"]), path + " member images.npy");
  const NpyArray factors = parse_npy(std::move(members["factors"]), path + " member factors.npy");
  const NpyArray sizes_array =
      parse_npy(std::move(members["factor_sizes"]), path + " member factor_sizes.npy");
  const size_t K = names.size();
  require(images.dtype == DType::UInt8 && (images.shape.size() == 3 || images.shape.size() == 4), path,
          ": 'images' must be N x H x W or N x H x W x C uint8");
  require(factors.shape.size() == 2 && factors.shape[1] == K && factors.shape[0] == images.shape[0] &&
              sizes_array.shape == std::vector<size_t>{K},
          path, ": 'factors' must be N x ", K, " and 'factor_sizes' hold ", K, " sizes");
  std::vector<size_t> sizes;
  size_t grid = 1;
  for (int64_t s : sizes_array.as_int64()) {
    require(s >= 1 && uint64_t(s) <= images.shape[0], path, ": factor size ", s, " is impossible for ",
            images.shape[0], " rows");
    sizes.push_back(size_t(s));
    grid *= size_t(s);  // each size <= rows, and the product is checked against rows as it grows
    require(grid <= images.shape[0], path, ": holds ", images.shape[0],
            " images, fewer than its factor grid; ",
            "only a whole-grid export (without --count) can be read back");
  }
  require(grid == images.shape[0], path, ": holds ", images.shape[0], " images, not the ", grid,
          "-point factor grid; only a whole-grid export (without --count) can be read back");
  require_grid_order(factors.as_int64(), grid, K, sizes, 0, path);
  const size_t channels = images.shape.size() == 4 ? images.shape[3] : 1;
  // As `untangle data --export` writes them: dSprites 0/1 bytes, every other dataset 0..255.
  const float value_scale = like.name() == "dsprites" ? 1.0f : 1.0f / 255.0f;
  return std::make_unique<ImageTableDataset>(like.name(), names, sizes, like.categorical_factors(),
                                             images.shape[1], images.shape[2], channels,
                                             std::move(images.bytes), value_scale);
}

}  // namespace untangle
