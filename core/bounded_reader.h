// Reading untrusted bytes: every parser of a user's file (npy, npz, HDF5, checkpoints) goes through
// this one helper, so a size, an offset or a shape taken from a file is checked against the bytes
// actually present before anything is read or allocated.
//
// - BoundedReader: little-endian fields at offsets, each checked (without overflow) to lie inside the
//   buffer, plus a cursor for formats read front to back.
// - checked_product / element_count: products of dimensions that throw instead of wrapping around
//   (a shape of (2^63 + 12, 2) must not become 24 elements).
// - require_payload: the one rule before allocating for a declared shape: the bytes it needs must be
//   there (or, for compressed data, at most the format's expansion ratio times what is there).
// Every failure throws untangle::Error naming the source and the field.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace untangle {

// a * b, or an Error naming `what` when it does not fit in 64 bits.
uint64_t checked_multiply(uint64_t a, uint64_t b, const std::string& what);
// a + b, or an Error naming `what` when it does not fit in 64 bits.
uint64_t checked_add(uint64_t a, uint64_t b, const std::string& what);

// Product of `dims` times `element_size`, throwing on overflow. Zero dimensions are counted as 1 while
// checking, so a shape like (0, 2^62, 2^62) is refused too: code that multiplies only some of the
// dimensions (height x width) must not overflow either. (size_t is 64 bits on every target.)
uint64_t checked_product(const std::vector<size_t>& dims, uint64_t element_size, const std::string& what);

// Throws unless `needed` bytes fit in `available` (both as declared by / measured on the source).
void require_payload(uint64_t needed, uint64_t available, const std::string& what);

class BoundedReader {
 public:
  // The reader refers to `data`, which must outlive it; `source` names the file in errors.
  BoundedReader(const uint8_t* data, size_t size, std::string source);
  explicit BoundedReader(const std::vector<uint8_t>& bytes, std::string source)
      : BoundedReader(bytes.data(), bytes.size(), std::move(source)) {}

  size_t size() const { return size_; }
  const std::string& source() const { return source_; }

  // Throws unless [offset, offset + length) lies inside the buffer; `what` names the field.
  void need(uint64_t offset, uint64_t length, const char* what) const;
  bool has(uint64_t offset, uint64_t length) const { return offset <= size_ && length <= size_ - offset; }
  // Pointer to `length` checked bytes at `offset`.
  const uint8_t* span(uint64_t offset, uint64_t length, const char* what) const;
  // Unsigned little-endian integer of `width` bytes (1..8) at `offset`.
  uint64_t unsigned_at(uint64_t offset, size_t width, const char* what) const;
  uint8_t u8(uint64_t offset, const char* what) const { return uint8_t(unsigned_at(offset, 1, what)); }
  uint16_t u16(uint64_t offset, const char* what) const { return uint16_t(unsigned_at(offset, 2, what)); }
  uint32_t u32(uint64_t offset, const char* what) const { return uint32_t(unsigned_at(offset, 4, what)); }
  uint64_t u64(uint64_t offset, const char* what) const { return unsigned_at(offset, 8, what); }

  // Cursor reads for formats laid out front to back.
  size_t position() const { return position_; }
  const uint8_t* take(uint64_t length, const char* what);
  uint32_t take_u32(const char* what) { return uint32_t(take_unsigned(4, what)); }
  uint64_t take_unsigned(size_t width, const char* what);

 private:
  const uint8_t* data_;
  size_t size_;
  std::string source_;
  size_t position_ = 0;
};

}  // namespace untangle
