// Crafted files that once crashed or hung a reader (issue 19), each refused with an untangle::Error that
// names the file: shape products that overflow 64 bits (.npy, an .npz member, the dSprites reader),
// HDF5 superblocks cut short, B-trees whose nodes share children, dataspaces larger than any file could
// hold, and a directory passed where a file is expected. Also: Fortran-ordered .npy arrays are read
// (transposed into C order) instead of refused.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "apps/common/reader_targets.h"
#include "core/check.h"
#include "data/hdf5.h"
#include "data/npy.h"
#include "data/npz.h"
#include "data/real_files.h"
#include "scratch_files.h"

using namespace untangle;

namespace {

std::string fixture(const std::string& name) {
  return std::string(UNTANGLE_SOURCE_DIR) + "/tests/fixtures/" + name;
}

std::string error_of(const std::function<void()>& read) {
  try {
    read();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string write_scratch(const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = testing::scratch_path(name);
  write_file_atomically(path, bytes.data(), bytes.size());
  return path;
}

}  // namespace

TEST_CASE("npy: a shape whose product overflows 64 bits is refused, not wrapped to a small count") {
  // (2^63 + 12) x 2 float32 "fits" in 96 bytes once the product wraps around.
  const auto file =
      npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775820, 2), }", 96);
  CHECK(error_of([&] { parse_npy(file, "wrap.npy"); }).find("wrap.npy shape: size overflows 64 bits") !=
        std::string::npos);
  // A dimension with more digits than 64 bits hold is the same error, not std::out_of_range.
  const auto huge = npy_with_header(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (123456789012345678901234567890,), }", 0);
  CHECK(error_of([&] { parse_npy(huge, "huge.npy"); }).find("huge.npy shape: size overflows") !=
        std::string::npos);
  // A zero dimension does not hide an overflowing product of the others.
  const auto hidden =
      npy_with_header("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296), }", 0);
  CHECK(error_of([&] { parse_npy(hidden, "zero.npy"); }).find("overflows") != std::string::npos);
  // An honest empty array still reads.
  const auto empty = npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", 0);
  CHECK(parse_npy(empty, "empty.npy").shape == std::vector<size_t>{0, 3});
}

TEST_CASE("npy: Fortran-ordered arrays are transposed into C order on load") {
  // C order [[1, 2, 3], [4, 5, 6]] stored first index fastest: 1 4 2 5 3 6.
  auto file = npy_with_header("{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3), }", 0);
  for (int64_t v : {1, 4, 2, 5, 3, 6}) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    file.insert(file.end(), p, p + 8);
  }
  NpyArray array = parse_npy(file, "fortran.npy");
  CHECK(array.shape == std::vector<size_t>{2, 3});
  CHECK(array.as_int64() == std::vector<int64_t>{1, 2, 3, 4, 5, 6});
  NpyArray moved = parse_npy(std::vector<uint8_t>(file), "fortran.npy");
  CHECK(moved.as_int64() == array.as_int64());
  // Rank 3: element (i, j, k) of a (2, 2, 2) array sits at i + 2j + 4k in Fortran order.
  auto cube = npy_with_header("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2, 2), }", 0);
  for (uint8_t v : {0, 4, 2, 6, 1, 5, 3, 7}) cube.push_back(v);
  CHECK(parse_npy(cube, "cube.npy").as_int64() == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("npz: a member whose shape overflows is refused, in read_npz and in the dSprites reader") {
  const std::string path = testing::scratch_path("wrapped_member.npz");
  write_wrapped_dsprites_npz(path);
  CHECK(error_of([&] { read_npz(path); }).find("member imgs.npy shape: size overflows") != std::string::npos);
  CHECK(error_of([&] { read_dsprites_npz(path); }).find("overflows") != std::string::npos);
}

TEST_CASE("a directory given as a data file is an error naming it, not std::bad_alloc") {
  const std::string folder = testing::scratch_path("a_folder");
  std::filesystem::create_directories(folder);
  CHECK(error_of([&] { read_npy(folder); }) == folder + ": is a directory, not a file");
  CHECK(error_of([&] { read_npz(folder); }) == folder + ": is a directory, not a file");
  CHECK(error_of([&] { Hdf5File file(folder); }) == folder + ": is a directory, not a file");
}

TEST_CASE("HDF5: truncated version-2 superblocks, shared B-tree nodes and huge dataspaces are refused") {
  // Signature, superblock version 2, then nothing: the reader must not index past its 9 bytes.
  for (size_t cut : {9, 10, 11}) {
    std::vector<uint8_t> head = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n', 2, 8, 8};
    head.resize(cut);
    const std::string path = write_scratch("short_superblock.h5", head);
    CHECK(error_of([&] { Hdf5File file(path); }).find("truncated superblock") != std::string::npos);
  }
  // 40 inner B-tree nodes, each with two children that are both the node below (the corpus file is made
  // by apps/common/reader_targets.cpp): a walk bounded only by depth visits the leaf 2^40 times.
  const std::string shared =
      std::string(UNTANGLE_SOURCE_DIR) + "/tests/fixtures/fuzz_corpus/hdf5/chunk_btree_shared_children.h5";
  CHECK(error_of([&] { Hdf5File(shared).read_dataset("images"); }).find("reached twice") !=
        std::string::npos);
  std::vector<uint8_t> bytes;
  // The dataspace of `images` (N, 64, 64, 3) with N raised to 2^30: 1.3e13 bytes from an 11 KB file.
  bytes = read_file_bytes(fixture("shapes3d_chunked.h5"));
  const uint64_t tail[3] = {64, 64, 3};
  auto at = std::search(bytes.begin(), bytes.end(), reinterpret_cast<const uint8_t*>(tail),
                        reinterpret_cast<const uint8_t*>(tail) + 24);
  REQUIRE(at != bytes.end());
  const uint64_t rows = uint64_t(1) << 30;
  std::memcpy(&*(at - 8), &rows, 8);
  const std::string big = write_scratch("big_dataspace.h5", bytes);
  CHECK(error_of([&] { Hdf5File(big).read_dataset("images"); }).find("cannot come from a 11485-byte file") !=
        std::string::npos);
}
