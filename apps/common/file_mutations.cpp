// Seeded file mutations; see file_mutations.h. std::mt19937_64 is specified bit for bit by the C++
// standard, so the same (seed, index) gives the same mutant with every compiler.
#include "apps/common/file_mutations.h"

#include <algorithm>
#include <random>

namespace untangle {

namespace {

// Values that break size and offset arithmetic: signed and unsigned limits of each width, powers of two
// that overflow a product, and small values (0 and 1 as counts, sizes and versions).
const uint64_t kBoundaryValues[] = {0,          1,          2,          0x7f,       0x80,
                                    0xff,       0x7fff,     0xffff,     0x7fffffff, 0x80000000,
                                    0xffffffff, 1ull << 32, 1ull << 34, 1ull << 62, (1ull << 63) + 12,
                                    ~0ull,      ~0ull - 7};
// The same idea written as decimal text, for numbers inside JSON or the .npy header dict.
const char* const kBoundaryTexts[] = {"0",
                                      "-1",
                                      "4294967297",
                                      "9223372036854775820",
                                      "18446744073709551615",
                                      "123456789012345678901234567890",
                                      "1e309",
                                      "nan",
                                      "-0",
                                      "2147483648",
                                      ""};

class MutationRng {
 public:
  MutationRng(uint64_t base_seed, uint64_t index) : engine_(base_seed * 0x9E3779B97F4A7C15ull + index) {}
  uint64_t below(uint64_t bound) { return bound == 0 ? 0 : engine_() % bound; }
  // Half the positions fall in the first 512 bytes, where every format keeps its headers.
  size_t position(size_t size) {
    return below(2) ? size_t(below(std::min<size_t>(size, 512))) : size_t(below(size));
  }

 private:
  std::mt19937_64 engine_;
};

void write_little_endian(std::vector<uint8_t>& bytes, size_t at, uint64_t value, size_t width) {
  for (size_t i = 0; i < width && at + i < bytes.size(); ++i) bytes[at + i] = uint8_t(value >> (8 * i));
}

std::string truncate(std::vector<uint8_t>& bytes, MutationRng& rng) {
  const size_t length = size_t(rng.below(bytes.size()));
  bytes.resize(length);
  return "truncated to " + std::to_string(length) + " bytes";
}

std::string flip_bits(std::vector<uint8_t>& bytes, MutationRng& rng) {
  const size_t flips = 1 + size_t(rng.below(8));
  for (size_t i = 0; i < flips; ++i) bytes[rng.position(bytes.size())] ^= uint8_t(1u << rng.below(8));
  return std::to_string(flips) + " bit flips";
}

std::string boundary_field(std::vector<uint8_t>& bytes, MutationRng& rng) {
  const size_t widths[] = {1, 2, 4, 8};
  const size_t width = widths[rng.below(4)], at = rng.position(bytes.size());
  const size_t choices = sizeof(kBoundaryValues) / sizeof(kBoundaryValues[0]);
  uint64_t value = rng.below(choices + 2) < choices ? kBoundaryValues[rng.below(choices)]
                                                    : bytes.size() + rng.below(3) - 1;
  write_little_endian(bytes, at, value, width);
  return "u" + std::to_string(8 * width) + " = " + std::to_string(value) + " at byte " + std::to_string(at);
}

std::string edit_number_text(std::vector<uint8_t>& bytes, MutationRng& rng) {
  std::vector<std::pair<size_t, size_t>> runs;  // [begin, end) of each run of digits
  for (size_t i = 0; i < bytes.size();) {
    if (bytes[i] < '0' || bytes[i] > '9') {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < bytes.size() && bytes[end] >= '0' && bytes[end] <= '9') ++end;
    runs.push_back({i, end});
    i = end;
  }
  if (runs.empty()) return flip_bits(bytes, rng);
  const auto [begin, end] = runs[rng.below(runs.size())];
  const std::string text = kBoundaryTexts[rng.below(sizeof(kBoundaryTexts) / sizeof(kBoundaryTexts[0]))];
  bytes.erase(bytes.begin() + long(begin), bytes.begin() + long(end));
  bytes.insert(bytes.begin() + long(begin), text.begin(), text.end());
  return "number at byte " + std::to_string(begin) + " = '" + text + "'";
}

std::string edit_punctuation(std::vector<uint8_t>& bytes, MutationRng& rng) {
  const char marks[] = {'"', '\'', '{', '}', ',', ':', '\\', '[', '(', ')', '\n', '\0'};
  const size_t at = rng.position(bytes.size());
  const char mark = marks[rng.below(sizeof(marks))];
  if (rng.below(2))
    bytes.insert(bytes.begin() + long(at), uint8_t(mark));
  else
    bytes.erase(bytes.begin() + long(at));
  return "inserted or deleted a character at byte " + std::to_string(at);
}

std::string move_block(std::vector<uint8_t>& bytes, MutationRng& rng) {
  const size_t from = size_t(rng.below(bytes.size())),
               length = 1 + size_t(rng.below(std::min<size_t>(64, bytes.size() - from)));
  const size_t to = rng.position(bytes.size());
  std::vector<uint8_t> block(bytes.begin() + long(from), bytes.begin() + long(from + length));
  switch (rng.below(3)) {
    case 0:  // overwrite
      for (size_t i = 0; i < length && to + i < bytes.size(); ++i) bytes[to + i] = block[i];
      return "copied " + std::to_string(length) + " bytes from " + std::to_string(from) + " over " +
             std::to_string(to);
    case 1:  // insert (repeat)
      bytes.insert(bytes.begin() + long(to), block.begin(), block.end());
      return "repeated " + std::to_string(length) + " bytes from " + std::to_string(from) + " at " +
             std::to_string(to);
    default:
      bytes.erase(bytes.begin() + long(from), bytes.begin() + long(from + length));
      return "deleted " + std::to_string(length) + " bytes at " + std::to_string(from);
  }
}

}  // namespace

Mutant mutate_file(const std::vector<uint8_t>& seed, uint64_t base_seed, uint64_t index, bool text) {
  MutationRng rng(base_seed, index);
  Mutant mutant{seed, ""};
  if (mutant.bytes.empty()) return mutant;
  const uint64_t kind = rng.below(text ? 6 : 4);
  switch (kind) {
    case 0: mutant.description = truncate(mutant.bytes, rng); break;
    case 1: mutant.description = flip_bits(mutant.bytes, rng); break;
    case 2: mutant.description = boundary_field(mutant.bytes, rng); break;
    case 3: mutant.description = move_block(mutant.bytes, rng); break;
    case 4: mutant.description = edit_number_text(mutant.bytes, rng); break;
    default: mutant.description = edit_punctuation(mutant.bytes, rng); break;
  }
  return mutant;
}

}  // namespace untangle
