// .npy: every supported dtype round-trips through our writer, numpy's version-2 header reads, and
// big-endian data is refused with a message that says how to fix it.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/check.h"
#include "data/npy.h"
#include "scratch_files.h"

using namespace untangle;

namespace {
std::string fixture(const std::string& name) {
  return std::string(UNTANGLE_SOURCE_DIR) + "/tests/fixtures/" + name;
}
}  // namespace

TEST_CASE("npy: float32, float64, int64, uint8 and int32 round-trip, with 64-byte aligned data") {
  const std::string path = testing::scratch_path("test_roundtrip.npy");
  std::vector<NpyArray> arrays = {make_npy(std::vector<float>{1.5f, -2.0f, 3.0f, 4.0f}, {2, 2}),
                                  make_npy(std::vector<double>{1e300, -1e-300}, {2}),
                                  make_npy(std::vector<int64_t>{int64_t(1) << 62, -7, 0}, {3, 1}),
                                  make_npy(std::vector<uint8_t>{0, 255, 128}, {3})};
  NpyArray int32;
  int32.dtype = DType::Int32;
  int32.shape = {2};
  int32.bytes = {0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00};  // -1, 1 little-endian
  arrays.push_back(int32);
  for (const NpyArray& a : arrays) {
    write_npy(path, a);
    std::vector<uint8_t> bytes = read_file_bytes(path);
    CHECK((bytes.size() - a.bytes.size()) % 64 == 0);  // header padded to 64 bytes
    NpyArray back = read_npy(path);
    CHECK(back.dtype == a.dtype);
    CHECK(back.shape == a.shape);
    CHECK(back.bytes == a.bytes);
  }
  CHECK(read_npy(path).as_int64() == std::vector<int64_t>{-1, 1});
  std::remove(path.c_str());
}

TEST_CASE("npy: numpy's version-2 header; big-endian and truncated files are refused clearly") {
  NpyArray v2 = read_npy(fixture("npy_v2_int32.npy"));
  CHECK(v2.dtype == DType::Int32);
  CHECK(v2.shape == std::vector<size_t>{2, 3});
  CHECK(v2.as_int64() == std::vector<int64_t>{1, -2, 3, 2147483647, 0, -2147483648LL});
  CHECK_THROWS_WITH_AS(read_npy(fixture("npy_big_endian.npy")), doctest::Contains("big-endian"), Error);
  std::vector<uint8_t> bytes = read_file_bytes(fixture("npy_v2_int32.npy"));
  bytes.resize(bytes.size() - 4);
  CHECK_THROWS_WITH_AS(parse_npy(bytes, "cut.npy"), doctest::Contains("cut.npy: truncated data"), Error);
}
