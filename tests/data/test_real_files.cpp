// The real-file readers on fixtures in the real files' layouts (scripts/make_fixtures.py): dSprites
// npz (deflated, with a pickled metadata member it must skip) and 3dshapes-style HDF5 files (chunked +
// gzip, and contiguous). Also: damaged files fail with the file's name and the problem.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/check.h"
#include "data/hdf5.h"
#include "data/npy.h"
#include "data/npz.h"
#include "data/real_files.h"
#include "data/registry.h"
#include "scratch_files.h"

using namespace untangle;

namespace {
std::string fixture(const std::string& name) {
  return std::string(UNTANGLE_SOURCE_DIR) + "/tests/fixtures/" + name;
}

// The fixtures mark image i with a single 1 in channel 0 at pixel (i // W, i % W) and fill the last
// channel (RGB files) with 255 - i.
void check_marker(const GroundTruthDataset& data, size_t i, float scale) {
  std::vector<float> chw(data.observation_size());
  data.render(i, chw.data());
  const size_t w = data.width(), h = data.height(), plane = w * h;
  size_t ones = 0, marker = (i / w) % h * w + i % w;
  for (size_t p = 0; p < plane; ++p) ones += chw[p] > 0;
  CHECK(ones == 1);
  CHECK(chw[marker] == doctest::Approx(1.0f * scale));
  if (data.channels() == 3) CHECK(chw[2 * plane + 5] == doctest::Approx(float(255 - i) * scale));
}

std::string write_temporary(const std::string& name, const std::vector<uint8_t>& bytes) {
  std::string path = testing::scratch_path(name);
  write_file_atomically(path, bytes.data(), bytes.size());
  return path;
}

std::string error_of(std::unique_ptr<GroundTruthDataset> (*reader)(const std::string&),
                     const std::string& path) {
  try {
    reader(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("dsprites npz reader: grid from latents_classes, rows in order, 0/1 pixels") {
  auto data = read_dsprites_npz(fixture("dsprites_small.npz"));
  CHECK(data->name() == "dsprites");
  CHECK(data->factor_sizes() == std::vector<size_t>{3, 2, 2, 2, 2});  // colour (size 1) dropped
  CHECK(data->factor_names()[0] == "shape");
  CHECK(data->categorical_factors()[0]);
  for (size_t i = 0; i < data->size(); ++i) check_marker(*data, i, 1.0f);
  // Selected by name through the registry.
  DatasetOptions options;
  options.data_file = fixture("dsprites_small.npz");
  CHECK(make_dataset("dsprites", options)->size() == 48);
}

TEST_CASE("3dshapes h5 reader: chunked+gzip and contiguous files, grid from the label values") {
  auto chunked = read_shapes3d_h5(fixture("shapes3d_chunked.h5"));
  CHECK(chunked->factor_sizes() == std::vector<size_t>{2, 1, 2, 2, 2, 3});
  CHECK(chunked->channels() == 3);
  for (size_t i = 0; i < chunked->size(); ++i) check_marker(*chunked, i, 1.0f / 255);
  auto contiguous = read_shapes3d_h5(fixture("shapes3d_contiguous.h5"));
  CHECK(contiguous->factor_sizes() == std::vector<size_t>{1, 2, 1, 1, 2, 2});
  CHECK(contiguous->height() == 16);
  for (size_t i = 0; i < contiguous->size(); ++i) check_marker(*contiguous, i, 1.0f / 255);
  // The labels themselves: values as h5py wrote them (hue 0.1 for class 1, orientation -30..30).
  Hdf5File file(fixture("shapes3d_chunked.h5"));
  NpyArray labels = file.read_dataset("labels");
  CHECK(labels.dtype == DType::Float64);
  CHECK(labels.shape == std::vector<size_t>{48, 6});
  std::vector<double> v = labels.as_double();
  CHECK(v[6 * 47 + 0] == doctest::Approx(0.1));
  CHECK(v[6 * 47 + 5] == doctest::Approx(-30.0 + 60.0 * 2 / 14));
  CHECK(v[6 * 1 + 5] == doctest::Approx(-30.0 + 60.0 / 14));
  std::vector<std::string> names = file.root_names();
  CHECK(names.size() == 2);
  CHECK_THROWS_WITH_AS(file.read_dataset("imgs"), doctest::Contains("no dataset 'imgs'"), Error);
}

TEST_CASE("3dshapes h5 reader: shuffle filter, overhanging edge chunks, libver='latest' files") {
  auto shuffled = read_shapes3d_h5(fixture("shapes3d_shuffle.h5"));
  CHECK(shuffled->factor_sizes() == std::vector<size_t>{1, 1, 2, 1, 2, 3});
  for (size_t i = 0; i < shuffled->size(); ++i) check_marker(*shuffled, i, 1.0f / 255);
  // float64 labels stored byte-shuffled in (5, 6) chunks: 12 rows = two full chunks and one that overhangs.
  std::vector<double> labels = Hdf5File(fixture("shapes3d_shuffle.h5")).read_dataset("labels").as_double();
  REQUIRE(labels.size() == 72);
  CHECK(labels[6 * 11 + 2] == doctest::Approx(0.1));                    // object hue class 1
  CHECK(labels[6 * 11 + 5] == doctest::Approx(-30.0 + 60.0 * 2 / 14));  // orientation class 2
  CHECK(labels[6 * 10 + 4] == 1.0);                                     // shape class 1
  // Superblock 3, version-2 object headers, link messages, layout message version 4 (contiguous).
  auto latest = read_shapes3d_h5(fixture("shapes3d_latest.h5"));
  CHECK(latest->factor_sizes() == std::vector<size_t>{1, 1, 1, 1, 2, 2});
  for (size_t i = 0; i < latest->size(); ++i) check_marker(*latest, i, 1.0f / 255);
  // Its chunked twin uses a chunk index this reader does not have: refused, saying so.
  CHECK(
      error_of(read_shapes3d_h5, fixture("shapes3d_latest_chunked.h5")).find("(chunked) is not supported") !=
      std::string::npos);
}

TEST_CASE("readers reject wrong, truncated and corrupt files with the file name and the problem") {
  std::vector<uint8_t> h5 = read_file_bytes(fixture("shapes3d_chunked.h5"));
  // Truncated: the chunk data at the end is gone.
  std::string path =
      write_temporary("truncated.h5", std::vector<uint8_t>(h5.begin(), h5.begin() + long(h5.size() * 2 / 3)));
  std::string message = error_of(read_shapes3d_h5, path);
  CHECK(message.find("truncated.h5") != std::string::npos);
  CHECK(message.find("truncated") != std::string::npos);
  // Corrupt: damage the last chunk's compressed bytes (it ends the file) -> zlib rejects it.
  std::vector<uint8_t> damaged = h5;
  for (size_t i = damaged.size() - 40; i < damaged.size() - 10; ++i) damaged[i] ^= 0xa5;
  path = write_temporary("damaged.h5", damaged);
  message = error_of(read_shapes3d_h5, path);
  CHECK(message.find("damaged.h5") != std::string::npos);
  // Not HDF5 at all, and a file of the other kind.
  path = write_temporary("not.h5", std::vector<uint8_t>(4000, 7));
  CHECK(error_of(read_shapes3d_h5, path).find("no \\x89HDF signature") != std::string::npos);
  CHECK(error_of(read_shapes3d_h5, fixture("dsprites_small.npz")).find("dsprites_small.npz") !=
        std::string::npos);
  CHECK(error_of(read_dsprites_npz, fixture("shapes3d_chunked.h5")).find("not a zip") != std::string::npos);
  // An npz without the dSprites arrays.
  CHECK(error_of(read_dsprites_npz, fixture("npz_stored.npz")).find("no 'imgs' array") != std::string::npos);
  // A truncated dSprites npz.
  std::vector<uint8_t> npz = read_file_bytes(fixture("dsprites_small.npz"));
  path = write_temporary("cut.npz", std::vector<uint8_t>(npz.begin(), npz.begin() + long(npz.size() - 100)));
  CHECK(error_of(read_dsprites_npz, path).find("cut.npz") != std::string::npos);
  CHECK(error_of(read_dsprites_npz, "/no/such/dsprites.npz").find("/no/such/dsprites.npz: cannot open") !=
        std::string::npos);
}

TEST_CASE("dsprites npz reader refuses rows out of grid order, non-binary pixels and missing colour column") {
  const std::string path = testing::scratch_path("made_up_dsprites.npz");
  // A 1x2x1x1x1x2 grid: 4 rows, 64x64 zero images.
  auto write = [&](std::vector<int64_t> classes, uint8_t pixel) {
    std::vector<uint8_t> images(4 * 4096, 0);
    images[5] = pixel;
    std::map<std::string, NpyArray> arrays;
    arrays["imgs"] = make_npy(images, {4, 64, 64});
    arrays["latents_classes"] = make_npy(classes, {4, 6});
    write_npz(path, arrays);
  };
  std::vector<int64_t> in_order = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1};
  write(in_order, 1);
  CHECK(read_dsprites_npz(path)->factor_sizes() == std::vector<size_t>{2, 1, 1, 1, 2});
  std::vector<int64_t> swapped = in_order;
  std::swap_ranges(swapped.begin() + 6, swapped.begin() + 12, swapped.begin() + 12);  // rows 1 and 2
  write(swapped, 1);
  CHECK(error_of(read_dsprites_npz, path).find("row 1 is not in the factor grid's row-major order") !=
        std::string::npos);
  write(in_order, 255);
  CHECK(error_of(read_dsprites_npz, path).find("0/1 pixels") != std::string::npos);
  std::vector<int64_t> two_colours = in_order;
  two_colours[0] = 1;
  write(two_colours, 1);
  CHECK(error_of(read_dsprites_npz, path).find("single colour") != std::string::npos);
  std::remove(path.c_str());
}
