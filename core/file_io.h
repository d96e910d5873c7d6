// Whole-file reads and crash-safe writes, shared by every file format of untangle (npy, checkpoints,
// PNG, JSON). A write goes to PATH.tmp and is renamed over PATH only when complete, so an interrupted
// or failed write never leaves a truncated file where a good one was.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace untangle {

// Reads a whole file; throws untangle::Error naming the path if it cannot (missing, a directory, ...).
std::vector<uint8_t> read_file_bytes(const std::string& path);
// The size of a regular file; throws untangle::Error naming the path for anything else (a directory
// opens as a stream on Linux and reports a nonsense size, so it is refused here, before any allocation).
uint64_t regular_file_size(const std::string& path);
// Writes path.tmp, then renames it over path.
void write_file_atomically(const std::string& path, const void* data, size_t size);
inline void write_file_atomically(const std::string& path, const std::string& text) {
  write_file_atomically(path, text.data(), text.size());
}

}  // namespace untangle
