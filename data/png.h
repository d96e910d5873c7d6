// PNG writing (8-bit grey or RGB, no interlace) for image grids and previews, and animated PNG (APNG)
// for latent-traversal animations.
// Format facts: the PNG specification (W3C, 2nd ed.): signature, IHDR / IDAT / IEND chunks each with a
// big-endian length and a CRC-32 over type + data; IDAT holds the zlib stream of the scanlines, each
// prefixed by its filter byte (0 = none here). APNG (Mozilla's APNG specification, now part of PNG 3rd ed.):
// an acTL chunk (frame count, plays) after IHDR, then per frame an fcTL (sequence number, size, offset,
// delay, dispose and blend ops) and its data — IDAT for frame 0, fdAT (sequence number + data) after.
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

// frames: each (height, width, channels) uint8, shown for frame_milliseconds each, looping forever.
std::vector<uint8_t> encode_animated_png(const std::vector<std::vector<uint8_t>>& frames, size_t width,
                                         size_t height, size_t channels, unsigned frame_milliseconds);
void write_animated_png(const std::string& path, const std::vector<std::vector<uint8_t>>& frames,
                        size_t width, size_t height, size_t channels, unsigned frame_milliseconds);

}  // namespace untangle
