// Deterministic mutations of a seed file, for fuzzing the readers (apps/fuzz_readers.cpp): the kinds of
// damage a downloaded or copied file suffers (truncation, flipped bits, overwritten bytes) and the kinds
// a hostile file is built from (header fields set to boundary values such as 2^31, 2^63 or the file's
// own size, numbers in a text header replaced by huge or negative ones, blocks moved or repeated).
// Mutant i of a seed depends only on (seed bytes, base seed, i), so every finding can be reproduced.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace untangle {

struct Mutant {
  std::vector<uint8_t> bytes;
  std::string description;  // e.g. "u32 = 4294967295 at byte 28"
};

// Mutant number `index` of `seed`. `text` favours edits of a text format (JSON, the .npy header dict).
Mutant mutate_file(const std::vector<uint8_t>& seed, uint64_t base_seed, uint64_t index, bool text);

}  // namespace untangle
