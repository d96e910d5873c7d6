// Checkpoints: named float32 tensors plus text metadata (step counters, RNG positions, settings),
// written atomically. File layout (all integers little-endian):
//
//   "UNTANGLE" (8 bytes)  version u32 (=1)  record_count u32
//   record*:  kind u8 ('T' tensor | 'M' metadata)  name_length u32  name
//             'T': rank u32, dims i32[rank], values f32[prod(dims)]
//             'M': value_length u32, value
//             crc32 u32 over the record's bytes from `kind` up to here
//   "END!"
//
// Every record carries its own CRC32, and the record count and end marker catch truncation: a damaged
// file is an error naming the file and the record, never silently wrong weights.
#pragma once
#include <cstdint>
#include <limits>
#include <map>
#include <string>

#include "autograd/tensor.h"
#include "nn/parameters.h"

namespace untangle {

struct Checkpoint {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;

  void add(const ParameterList& list);
  // Copies the saved values into `list`'s tensors (shapes must match); every name must be present.
  void restore(const ParameterList& list, const std::string& source) const;
};

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

// A metadata record read as a whole number in [low, high] (step counts, random-stream positions). A
// missing, malformed or out-of-range record is an error naming `source` (the file) and the record.
long long metadata_integer(const std::map<std::string, std::string>& metadata, const std::string& key,
                           const std::string& source, long long low = 0,
                           long long high = std::numeric_limits<long long>::max());
uint64_t metadata_counter(const std::map<std::string, std::string>& metadata, const std::string& key,
                          const std::string& source);
Checkpoint load_checkpoint(const std::string& path);

}  // namespace untangle
