// NumPy .npy arrays: the file contract for codes (N x D float32) and factors (N x K int64) tables.
// Format: "\x93NUMPY", version byte pair, header length (2 bytes in v1, 4 in v2/v3), a Python-dict
// header {'descr': '<f4', 'fortran_order': False, 'shape': (N, D), }, padded so the data is 64-aligned.
// Arrays saved with fortran_order True (first index fastest) are transposed into C order on load; every
// size in the header is checked against the bytes present (core/bounded_reader.h) before allocating.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/file_io.h"

namespace untangle {

enum class DType { Float32, Float64, Int64, Int32, UInt8 };

size_t dtype_size(DType type);
const char* dtype_name(DType type);  // "float32", ...

// An array as it is stored: raw little-endian bytes in C order, plus its type and shape.
struct NpyArray {
  DType dtype = DType::Float32;
  std::vector<size_t> shape;
  std::vector<uint8_t> bytes;

  size_t count() const;  // number of elements
  // The data converted to double / float / int64 whatever the stored type is.
  std::vector<double> as_double() const;
  std::vector<float> as_float() const;
  std::vector<int64_t> as_int64() const;
};

// Parses .npy bytes; `source` names the file (or npz member) in error messages.
NpyArray parse_npy(const std::vector<uint8_t>& file_bytes, const std::string& source);
// The same, taking over the buffer (no copy of the data).
NpyArray parse_npy(std::vector<uint8_t>&& file_bytes, const std::string& source);
NpyArray read_npy(const std::string& path);
std::vector<uint8_t> serialize_npy(const NpyArray& array);
// Just the header (magic, version, length, dict) of an array of this type and shape: what a streaming
// writer puts before the data.
std::vector<uint8_t> npy_header_bytes(DType dtype, const std::vector<size_t>& shape);
// Writes atomically (temporary file, then rename) so a failed write never leaves a half file.
void write_npy(const std::string& path, const NpyArray& array);

// Text arrays, NumPy's fixed-width unicode dtype '<Un' (n UTF-32 code units per string, zero padded):
// how untangle stores factor names next to numeric arrays. ASCII text only; shape (count,).
std::vector<uint8_t> serialize_npy_text(const std::vector<std::string>& values);
std::vector<std::string> parse_npy_text(const std::vector<uint8_t>& file_bytes, const std::string& source);
// Bytes of the header (magic to the end of the dict) of a serialize_npy_text file.
size_t npy_text_header_size(const std::vector<uint8_t>& file_bytes);

// Convenience constructors from typed data.
NpyArray make_npy(const std::vector<float>& values, std::vector<size_t> shape);
NpyArray make_npy(const std::vector<int64_t>& values, std::vector<size_t> shape);
NpyArray make_npy(const std::vector<uint8_t>& values, std::vector<size_t> shape);
NpyArray make_npy(const std::vector<double>& values, std::vector<size_t> shape);

}  // namespace untangle
