// PNG encoder; see png.h. zlib does the deflate and the CRC-32.
#include "data/png.h"

#include <zlib.h>

#include "core/check.h"
#include "data/npy.h"

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

// The IDAT payload: zlib stream of the scanlines, each prefixed by filter type 0 (none).
std::vector<uint8_t> compressed_scanlines(const uint8_t* pixels, size_t width, size_t height,
                                          size_t channels) {
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
  return compressed;
}

std::vector<uint8_t> png_signature_and_header(size_t width, size_t height, size_t channels) {
  require(channels == 1 || channels == 3, "png: need 1 or 3 channels, got ", channels);
  require(width > 0 && height > 0 && width < (1u << 31) && height < (1u << 31), "png: bad size ", width, "x",
          height);
  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> header;
  put_u32_big_endian(header, uint32_t(width));
  put_u32_big_endian(header, uint32_t(height));
  // bit depth 8; colour type 0 (grey) or 2 (RGB); compression, filter, interlace methods 0.
  header.insert(header.end(), {8, uint8_t(channels == 3 ? 2 : 0), 0, 0, 0});
  put_chunk(out, "IHDR", header);
  return out;
}

}  // namespace

std::vector<uint8_t> encode_png(const uint8_t* pixels, size_t width, size_t height, size_t channels) {
  std::vector<uint8_t> out = png_signature_and_header(width, height, channels);
  put_chunk(out, "IDAT", compressed_scanlines(pixels, width, height, channels));
  put_chunk(out, "IEND", {});
  return out;
}

std::vector<uint8_t> encode_animated_png(const std::vector<std::vector<uint8_t>>& frames, size_t width,
                                         size_t height, size_t channels, unsigned frame_milliseconds) {
  require(!frames.empty(), "png: an animation needs at least one frame");
  require(frame_milliseconds > 0 && frame_milliseconds < 65536, "png: frame delay ", frame_milliseconds,
          " ms is outside 1..65535 (a 16-bit numerator)");
  for (const std::vector<uint8_t>& frame : frames)
    require(frame.size() == width * height * channels, "png: animation frame of ", frame.size(),
            " bytes, expected ", width * height * channels);
  std::vector<uint8_t> out = png_signature_and_header(width, height, channels);
  std::vector<uint8_t> control;
  put_u32_big_endian(control, uint32_t(frames.size()));
  put_u32_big_endian(control, 0);  // num_plays 0: loop forever
  put_chunk(out, "acTL", control);
  // fcTL and fdAT chunks share one sequence counter; the first frame's pixels are the ordinary IDAT, so a
  // viewer without APNG support shows frame 0 as a still image.
  uint32_t sequence = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    std::vector<uint8_t> frame_control;
    put_u32_big_endian(frame_control, sequence++);
    put_u32_big_endian(frame_control, uint32_t(width));
    put_u32_big_endian(frame_control, uint32_t(height));
    put_u32_big_endian(frame_control, 0);                       // x offset
    put_u32_big_endian(frame_control, 0);                       // y offset
    frame_control.push_back(uint8_t(frame_milliseconds >> 8));  // delay = numerator / denominator seconds
    frame_control.push_back(uint8_t(frame_milliseconds & 0xff));
    frame_control.push_back(uint8_t(1000 >> 8));
    frame_control.push_back(uint8_t(1000 & 0xff));
    frame_control.push_back(0);  // dispose_op: none
    frame_control.push_back(0);  // blend_op: source (replace the region)
    put_chunk(out, "fcTL", frame_control);
    std::vector<uint8_t> data = compressed_scanlines(frames[i].data(), width, height, channels);
    if (i == 0) {
      put_chunk(out, "IDAT", data);
    } else {
      std::vector<uint8_t> frame_data;
      put_u32_big_endian(frame_data, sequence++);
      frame_data.insert(frame_data.end(), data.begin(), data.end());
      put_chunk(out, "fdAT", frame_data);
    }
  }
  put_chunk(out, "IEND", {});
  return out;
}

void write_png(const std::string& path, const uint8_t* pixels, size_t width, size_t height, size_t channels) {
  std::vector<uint8_t> bytes = encode_png(pixels, width, height, channels);
  write_file_atomically(path, bytes.data(), bytes.size());
}

void write_animated_png(const std::string& path, const std::vector<std::vector<uint8_t>>& frames,
                        size_t width, size_t height, size_t channels, unsigned frame_milliseconds) {
  std::vector<uint8_t> bytes = encode_animated_png(frames, width, height, channels, frame_milliseconds);
  write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace untangle
