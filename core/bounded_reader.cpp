// Bounds- and overflow-checked reads of untrusted bytes; see bounded_reader.h.
#include "core/bounded_reader.h"

#include "core/check.h"

namespace untangle {

uint64_t checked_multiply(uint64_t a, uint64_t b, const std::string& what) {
  uint64_t product = 0;
  require(!__builtin_mul_overflow(a, b, &product), what, ": size overflows 64 bits (", a, " x ", b,
          "; corrupt file?)");
  return product;
}

uint64_t checked_add(uint64_t a, uint64_t b, const std::string& what) {
  uint64_t sum = 0;
  require(!__builtin_add_overflow(a, b, &sum), what, ": offset overflows 64 bits (", a, " + ", b,
          "; corrupt file?)");
  return sum;
}

uint64_t checked_product(const std::vector<size_t>& dims, uint64_t element_size, const std::string& what) {
  uint64_t bound = element_size, product = element_size;
  for (size_t d : dims) {
    bound = checked_multiply(bound, d == 0 ? 1 : d, what);
    product *= d;  // never larger than bound, so never wraps
  }
  return product;
}

void require_payload(uint64_t needed, uint64_t available, const std::string& what) {
  require(needed <= available, what, ": needs ", needed, " bytes, only ", available,
          " are present (truncated or corrupt)");
}

BoundedReader::BoundedReader(const uint8_t* data, size_t size, std::string source)
    : data_(data), size_(size), source_(std::move(source)) {}

void BoundedReader::need(uint64_t offset, uint64_t length, const char* what) const {
  require(has(offset, length), source_, ": truncated or corrupt (", what, " at byte ", offset, ", ", length,
          " bytes, runs past the end of the ", size_, "-byte data)");
}

const uint8_t* BoundedReader::span(uint64_t offset, uint64_t length, const char* what) const {
  need(offset, length, what);
  return data_ + offset;
}

uint64_t BoundedReader::unsigned_at(uint64_t offset, size_t width, const char* what) const {
  require(width >= 1 && width <= 8, source_, ": field '", what, "' has width ", width,
          " (corrupt size field?)");
  const uint8_t* p = span(offset, width, what);
  uint64_t value = 0;
  for (size_t i = width; i-- > 0;) value = (value << 8) | p[i];
  return value;
}

const uint8_t* BoundedReader::take(uint64_t length, const char* what) {
  const uint8_t* p = span(position_, length, what);
  position_ += size_t(length);
  return p;
}

uint64_t BoundedReader::take_unsigned(size_t width, const char* what) {
  uint64_t value = unsigned_at(position_, width, what);
  position_ += width;
  return value;
}

}  // namespace untangle
