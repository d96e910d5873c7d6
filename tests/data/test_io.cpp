// PNG encoding (decoded here with zlib and the PNG chunk rules), .npz reading of numpy-made fixtures
// (stored and deflated members) and of our own writer, and rejection of corrupt archives.
#include <doctest/doctest.h>
#include <zlib.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/check.h"
#include "data/npz.h"
#include "data/png.h"
#include "scratch_files.h"

using namespace untangle;

namespace {
std::string fixture(const std::string& name) {
  return std::string(UNTANGLE_SOURCE_DIR) + "/tests/fixtures/" + name;
}

uint32_t big_endian(const std::vector<uint8_t>& b, size_t at) {
  return (uint32_t(b[at]) << 24) | (uint32_t(b[at + 1]) << 16) | (uint32_t(b[at + 2]) << 8) | b[at + 3];
}

// Throws if the bytes are not a valid npz; returns the message.
std::string npz_error(const std::vector<uint8_t>& bytes) {
  try {
    parse_npz(bytes, "broken.npz");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("png: chunks, CRCs and the scanlines decode back to the pixels") {
  const size_t w = 5, h = 3;
  std::vector<uint8_t> pixels(w * h * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t(i * 17);
  std::vector<uint8_t> png = encode_png(pixels.data(), w, h, 3);
  const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  REQUIRE(std::equal(signature, signature + 8, png.begin()));
  size_t at = 8;
  std::vector<uint8_t> idat;
  std::vector<std::string> order;
  while (at < png.size()) {
    uint32_t length = big_endian(png, at);
    std::string type(png.begin() + long(at + 4), png.begin() + long(at + 8));
    uint32_t crc = big_endian(png, at + 8 + length);
    CHECK(crc == uint32_t(crc32(0L, png.data() + at + 4, uInt(length + 4))));
    if (type == "IHDR") {
      CHECK(big_endian(png, at + 8) == w);
      CHECK(big_endian(png, at + 12) == h);
      CHECK(png[at + 16] == 8);  // bit depth
      CHECK(png[at + 17] == 2);  // RGB
    }
    if (type == "IDAT")
      idat.insert(idat.end(), png.begin() + long(at + 8), png.begin() + long(at + 8 + length));
    order.push_back(type);
    at += 12 + length;
  }
  CHECK(order == std::vector<std::string>{"IHDR", "IDAT", "IEND"});
  std::vector<uint8_t> raw(h * (1 + w * 3));
  uLongf raw_size = uLongf(raw.size());
  REQUIRE(uncompress(raw.data(), &raw_size, idat.data(), uLong(idat.size())) == Z_OK);
  REQUIRE(raw_size == raw.size());
  for (size_t y = 0; y < h; ++y) {
    CHECK(raw[y * (1 + w * 3)] == 0);  // filter type none
    for (size_t x = 0; x < w * 3; ++x) CHECK(raw[y * (1 + w * 3) + 1 + x] == pixels[y * w * 3 + x]);
  }
}

TEST_CASE("npz: numpy's stored and deflated archives read to the same arrays") {
  for (const char* name : {"npz_stored.npz", "npz_deflated.npz"}) {
    auto arrays = read_npz(fixture(name));
    REQUIRE(arrays.size() == 3);
    const NpyArray& a = arrays.at("a");
    CHECK(a.dtype == DType::Float32);
    CHECK(a.shape == std::vector<size_t>{3, 4});
    std::vector<float> values = a.as_float();
    for (size_t i = 0; i < 12; ++i) CHECK(values[i] == float(i) / 4);
    CHECK(arrays.at("b").as_int64() == std::vector<int64_t>{-1, 0, int64_t(1) << 40});
    const NpyArray& c = arrays.at("c");
    CHECK(c.dtype == DType::UInt8);
    CHECK(c.shape == std::vector<size_t>{64, 64});
    for (size_t i = 0; i < 4096; ++i) REQUIRE(c.bytes[i] == (i % 7 == 0 ? 1 : 0));
  }
  // Only the asked-for members are decoded.
  CHECK(read_npz(fixture("npz_deflated.npz"), {"b"}).size() == 1);
}

TEST_CASE("npz: our writer round-trips, streaming included") {
  const std::string path = testing::scratch_path("test_roundtrip.npz");
  std::vector<float> values = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
  {
    NpzWriter writer(path);
    writer.add("codes", make_npy(values, {2, 3}));
    writer.begin_array("bytes", DType::UInt8, {4, 2});
    uint8_t first[4] = {1, 2, 3, 4}, second[4] = {5, 6, 7, 8};
    writer.write(first, 4);
    writer.write(second, 4);
    writer.end_array();
    writer.close();
  }
  auto arrays = read_npz(path);
  CHECK(arrays.at("codes").as_float() == values);
  CHECK(arrays.at("codes").shape == std::vector<size_t>{2, 3});
  CHECK(arrays.at("bytes").as_int64() == std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8});
  std::remove(path.c_str());
  // A writer that is never closed leaves no file behind.
  {
    NpzWriter abandoned(path);
    abandoned.add("x", make_npy(values, {6}));
  }
  CHECK(std::fopen(path.c_str(), "rb") == nullptr);
}

TEST_CASE("npz: truncated, corrupted and foreign files fail with a message naming the file") {
  std::vector<uint8_t> good = read_file_bytes(fixture("npz_deflated.npz"));
  REQUIRE(npz_error(good).empty());
  // Cut anywhere: the end record or a member goes missing.
  for (size_t keep : {size_t(10), good.size() / 2, good.size() - 30}) {
    std::string message = npz_error(std::vector<uint8_t>(good.begin(), good.begin() + long(keep)));
    CHECK(message.find("broken.npz") != std::string::npos);
    CHECK(!message.empty());
  }
  // Flip a byte inside the first member's compressed data (after its 30-byte header, name and extra).
  std::vector<uint8_t> flipped = good;
  size_t data_start = 30 + (good[26] | (good[27] << 8)) + (good[28] | (good[29] << 8));
  flipped[data_start + 3] ^= 0x5a;
  std::string message = npz_error(flipped);
  CHECK(message.find("broken.npz member") != std::string::npos);
  // A directory that declares an impossible inflated size (patch the first central header's
  // uncompressed-size field to 3 GB): refused before anything is allocated.
  std::vector<uint8_t> inflated = good;
  for (size_t at = 0; at + 4 <= inflated.size(); ++at)
    if (inflated[at] == 'P' && inflated[at + 1] == 'K' && inflated[at + 2] == 1 && inflated[at + 3] == 2) {
      inflated[at + 24] = 0x00, inflated[at + 25] = 0x5e, inflated[at + 26] = 0xd0, inflated[at + 27] = 0xb2;
      break;
    }
  CHECK(npz_error(inflated).find("corrupt zip directory") != std::string::npos);
  // Not a zip at all.
  std::string text = "this is not a zip archive, just some text long enough";
  CHECK(npz_error(std::vector<uint8_t>(text.begin(), text.end())).find("not a zip") != std::string::npos);
  CHECK_THROWS_WITH_AS(read_npz("/nonexistent/file.npz"), doctest::Contains("/nonexistent/file.npz"), Error);
}
