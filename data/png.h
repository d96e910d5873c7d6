// PNG writing (8-bit grey or RGB, no interlace) for image grids and previews.
// Format facts: the PNG specification (W3C, 2nd ed.): signature, IHDR / IDAT / IEND chunks each with a
// big-endian length and a CRC-32 over type + data; IDAT holds the zlib stream of the scanlines, each
// prefixed by its filter byte (0 = none here).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace untangle {

// pixels: (height, width, channels) uint8, channels 1 (grey) or 3 (RGB). Returns the file bytes.
std::vector<uint8_t> encode_png(const uint8_t* pixels, size_t width, size_t height, size_t channels);
// Writes atomically (temporary file, then rename).
void write_png(const std::string& path, const uint8_t* pixels, size_t width, size_t height, size_t channels);

}  // namespace untangle
