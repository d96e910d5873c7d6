// PNG encoder; see png.h. zlib does the deflate and the CRC-32.
#include "data/png.h"

#include <zlib.h>

#include "data/npy.h"
#include "kernels/check.h"

namespace untangle {

namespace {

void put_u32_big_endian(std::vector<uint8_t>& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(value >> shift));
}

void put_chunk(std::vector<uint8_t>& out, const char type[4], const std::vector<uint8_t>& data) {
  put_u32_big_endian(out, uint32_t(data.size()));
  size_t type_start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  uLong crc = crc32(0L, out.data() + type_start, uInt(out.size() - type_start));
  put_u32_big_endian(out, uint32_t(crc));
}

}  // namespace

std::vector<uint8_t> encode_png(const uint8_t* pixels, size_t width, size_t height, size_t channels) {
  require(channels == 1 || channels == 3, "png: need 1 or 3 channels, got ", channels);
  require(width > 0 && height > 0, "png: empty image");
  // Scanlines, each prefixed by filter type 0.
  const size_t row_bytes = width * channels;
  std::vector<uint8_t> raw;
  raw.reserve(height * (row_bytes + 1));
  for (size_t y = 0; y < height; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), pixels + y * row_bytes, pixels + (y + 1) * row_bytes);
  }
  uLongf compressed_size = compressBound(uLong(raw.size()));
  std::vector<uint8_t> compressed(compressed_size);
  require(compress2(compressed.data(), &compressed_size, raw.data(), uLong(raw.size()), 6) == Z_OK,
          "png: zlib compression failed");
  compressed.resize(compressed_size);

  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> header;
  put_u32_big_endian(header, uint32_t(width));
  put_u32_big_endian(header, uint32_t(height));
  // bit depth 8; colour type 0 (grey) or 2 (RGB); compression, filter, interlace methods 0.
  header.insert(header.end(), {8, uint8_t(channels == 3 ? 2 : 0), 0, 0, 0});
  put_chunk(out, "IHDR", header);
  put_chunk(out, "IDAT", compressed);
  put_chunk(out, "IEND", {});
  return out;
}

void write_png(const std::string& path, const uint8_t* pixels, size_t width, size_t height, size_t channels) {
  std::vector<uint8_t> bytes = encode_png(pixels, width, height, channels);
  write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace untangle
