// A minimal HDF5 reader: enough of the format to read the numeric datasets of a file such as
// 3dshapes.h5 (`images` uint8, `labels` float64) into memory. Facts: the HDF5 File Format
// Specification (version 3.0): superblock versions 0-3; object headers version 1 and 2 (with
// continuation blocks); groups as a symbol table (version-1 B-tree of symbol-table nodes + local heap
// for the names) or as compact link messages; messages dataspace (0x01), datatype (0x03), data layout
// (0x08, version 3: compact, contiguous, chunked with a version-1 B-tree chunk index), filter
// pipeline (0x0B: deflate = 1, shuffle = 2). That is what h5py writes with its default
// libver='earliest'. Anything else (layout version 4 chunk indexes, dense link storage, other
// filters, big-endian types) is reported as unsupported, naming the file.
#pragma once
#include <cstdint>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "data/npy.h"

namespace untangle {

class Hdf5File {
 public:
  explicit Hdf5File(const std::string& path);

  // Names of the objects in the root group.
  std::vector<std::string> root_names();
  // Reads the dataset `name` (in the root group) whole: type, shape and C-order bytes.
  NpyArray read_dataset(const std::string& name);

 private:
  struct Message {
    uint16_t type;
    uint64_t offset, size;  // where its body lies in the file
  };
  struct Root {
    std::vector<std::string> names;
    std::vector<uint64_t> addresses;
  };

  std::vector<uint8_t> read(uint64_t address, uint64_t size, const char* what);
  uint64_t field(const std::vector<uint8_t>& bytes, size_t offset, size_t width, const char* what) const;
  std::vector<Message> object_header_messages(uint64_t address);
  Root root_group();
  void collect_group_btree(uint64_t address, const std::vector<uint8_t>& heap, Root& out, int depth);
  void collect_chunks(uint64_t address, size_t rank, std::vector<std::vector<uint64_t>>& offsets,
                      std::vector<uint64_t>& addresses, std::vector<uint32_t>& sizes,
                      std::vector<uint32_t>& masks, int depth);
  // read_dataset's steps: find the dataset, parse its header messages (one parser per message), read
  // chunked data (compact and contiguous data are read in place).
  struct DatasetMessages;
  uint64_t root_dataset_header(const std::string& name);
  DatasetMessages dataset_messages(uint64_t header, const std::string& where);
  void parse_dataspace(const std::vector<uint8_t>& body, DatasetMessages& out) const;
  void parse_datatype(const std::vector<uint8_t>& body, const std::string& where, DatasetMessages& out) const;
  void parse_layout(const std::vector<uint8_t>& body, const std::string& where, DatasetMessages& out) const;
  void parse_filter_pipeline(const std::vector<uint8_t>& body, const std::string& where,
                             DatasetMessages& out) const;
  void read_chunked(const DatasetMessages& messages, size_t total, const std::string& where, NpyArray& array);
  [[noreturn]] void corrupt(const std::string& what) const;
  void visit_once(uint64_t address, const char* what);

  std::string path_;
  std::ifstream in_;
  uint64_t file_size_ = 0;
  uint64_t base_ = 0;  // addresses in the file are relative to the superblock's base address
  size_t offset_size_ = 8, length_size_ = 8;
  uint64_t root_header_ = 0;
  std::set<uint64_t> visited_;  // nodes of the walk in progress (see visit_once)
};

}  // namespace untangle
