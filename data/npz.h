// NumPy .npz archives: a zip file whose members are .npy files named "<array>.npy".
// Zip facts (PKWARE APPNOTE 6.3): local headers (signature PK\3\4), a central directory (PK\1\2) found
// through the end-of-central-directory record (PK\5\6, within the last 64 KiB + 22 bytes), compression
// method 0 (stored) or 8 (raw deflate, inflated here with zlib), CRC-32 per member, and the zip64
// extensions (extra field 0x0001, records PK\6\6 / PK\6\7) for members or offsets of 4 GiB and more.
#pragma once
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "data/npy.h"

namespace untangle {

// Reads the members named in `only` (every member when empty); keys are array names without ".npy".
// Members not asked for are neither inflated nor parsed, so a file may also hold arrays this reader
// cannot represent (dSprites' pickled `metadata`). Corrupt, truncated or non-zip input throws
// untangle::Error naming `path` and what is wrong.
std::map<std::string, NpyArray> read_npz(const std::string& path, const std::vector<std::string>& only = {});
std::map<std::string, NpyArray> parse_npz(const std::vector<uint8_t>& file_bytes, const std::string& source,
                                          const std::vector<std::string>& only = {});
// The members' .npy files as bytes, not parsed (for members that are not numeric arrays, such as the
// text arrays of npy.h's parse_npy_text).
std::map<std::string, std::vector<uint8_t>> read_npz_members(const std::string& path,
                                                             const std::vector<std::string>& only = {});
std::map<std::string, std::vector<uint8_t>> parse_npz_members(const std::vector<uint8_t>& file_bytes,
                                                              const std::string& source,
                                                              const std::vector<std::string>& only = {});

// Writes an .npz with stored (uncompressed) members, streaming, so arrays larger than memory can be
// written block by block. The file appears at `path` only when close() succeeds (temporary + rename).
class NpzWriter {
 public:
  explicit NpzWriter(std::string path);
  ~NpzWriter();  // an unclosed writer removes its temporary file
  NpzWriter(const NpzWriter&) = delete;
  NpzWriter& operator=(const NpzWriter&) = delete;

  void add(const std::string& name, const NpyArray& array);
  // A NumPy text array ('<U' dtype, see serialize_npy_text): np.load gives back a str array.
  void add_text(const std::string& name, const std::vector<std::string>& values);
  // Streaming: begin_array, then write() exactly count(shape) * dtype_size bytes, then end_array().
  void begin_array(const std::string& name, DType dtype, const std::vector<size_t>& shape);
  void write(const void* bytes, size_t size);
  void end_array();
  void close();

 private:
  void begin_member(const std::string& name, const std::vector<uint8_t>& npy_header, uint64_t data_size);
  struct Member {
    std::string file_name;
    uint64_t local_header_offset = 0, size = 0;
    uint32_t crc = 0;
  };
  std::string path_, temporary_path_;
  std::ofstream out_;
  std::vector<Member> members_;
  bool in_member_ = false, closed_ = false;
  uint64_t expected_data_ = 0, written_data_ = 0;
};

void write_npz(const std::string& path, const std::map<std::string, NpyArray>& arrays);

}  // namespace untangle
