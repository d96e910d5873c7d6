// .npz reading and writing; see npz.h for the zip facts used.
#include "data/npz.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/bounded_reader.h"
#include "core/check.h"

namespace untangle {

namespace {

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;     // "PK\3\4"
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;   // "PK\1\2"
constexpr uint32_t kEndOfDirectorySignature = 0x06054b50;  // "PK\5\6"
constexpr uint32_t kZip64EndSignature = 0x06064b50;        // "PK\6\6"
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;    // "PK\6\7"
constexpr uint32_t kSaturated32 = 0xffffffffu;             // "the real value is in the zip64 field"
// Sizes and offsets from this value up need the zip64 fields (a separate name so the rule reads clearly).
constexpr uint64_t kZip64Threshold = kSaturated32;

std::vector<uint8_t> inflate_raw(const uint8_t* data, size_t size, size_t expected,
                                 const std::string& where) {
  std::vector<uint8_t> out(expected);
  z_stream stream{};
  require(inflateInit2(&stream, -MAX_WBITS) == Z_OK, where, ": zlib inflateInit failed");
  // zlib counts in uInt (32 bits): feed input and output in pieces so multi-GiB members work.
  size_t in_done = 0, out_done = 0;
  int status = Z_OK;
  while (status == Z_OK) {
    const size_t piece = 1u << 30;
    if (stream.avail_in == 0 && in_done < size) {
      stream.next_in = const_cast<Bytef*>(data + in_done);
      stream.avail_in = uInt(std::min(piece, size - in_done));
      in_done += stream.avail_in;
    }
    if (stream.avail_out == 0 && out_done < expected) {
      stream.next_out = out.data() + out_done;
      stream.avail_out = uInt(std::min(piece, expected - out_done));
      out_done += stream.avail_out;
    }
    status = inflate(&stream, Z_NO_FLUSH);
    if (status == Z_BUF_ERROR && stream.avail_in == 0 && in_done == size) break;  // input ran out
    if (status == Z_BUF_ERROR && stream.avail_out == 0 && out_done == expected)
      break;  // more data than declared
  }
  size_t produced = size_t(stream.total_out);
  inflateEnd(&stream);
  require(status == Z_STREAM_END, where, ": corrupt deflate data (",
          status == Z_DATA_ERROR  ? "invalid stream"
          : status == Z_BUF_ERROR ? "stream ends early or overruns the declared size"
                                  : "zlib error",
          ")");
  require(produced == expected, where, ": inflated to ", produced, " bytes, the zip directory says ",
          expected);
  return out;
}

// Where the central directory starts and how many entries it has, from the end-of-central-directory
// record (the last thing in the file, followed only by a comment) and, for zip64, its zip64 records.
struct CentralDirectory {
  uint64_t entries = 0, offset = 0;
};

CentralDirectory find_central_directory(const BoundedReader& r, uint64_t size, const std::string& source) {
  require(size >= 22, source, ": not a zip/.npz file (", size, " bytes is too short)");
  uint64_t end_record = size;
  for (uint64_t at = size - 22 + 1; at-- > 0 && size - at <= 22 + 65535;) {
    if (r.u32(at, "end record") == kEndOfDirectorySignature) {
      end_record = at;
      break;
    }
  }
  require(end_record < size, source,
          ": not a zip/.npz file (no end-of-central-directory record; truncated?)");
  CentralDirectory directory{r.u16(end_record + 10, "end record"), r.u32(end_record + 16, "end record")};
  if (directory.entries == 0xffff || directory.offset == kSaturated32) {
    require(end_record >= 20 && r.u32(end_record - 20, "zip64 locator") == kZip64LocatorSignature, source,
            ": zip64 archive without its zip64 locator");
    uint64_t zip64_end = r.u64(end_record - 20 + 8, "zip64 locator");
    require(r.u32(zip64_end, "zip64 end record") == kZip64EndSignature, source, ": zip64 end record missing");
    directory.entries = r.u64(zip64_end + 32, "zip64 end record");
    directory.offset = r.u64(zip64_end + 48, "zip64 end record");
  }
  return directory;
}

// One central-directory entry: what its member is and where its local header is.
struct CentralEntry {
  std::string name;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t compressed = 0, uncompressed = 0, local_offset = 0;
  uint64_t next = 0;  // where the following entry starts
};

CentralEntry read_central_entry(const BoundedReader& r, const std::vector<uint8_t>& bytes, uint64_t at,
                                uint64_t index, const std::string& source) {
  require(r.u32(at, "central directory") == kCentralHeaderSignature, source,
          ": corrupt zip central directory (entry ", index, " at byte ", at, ")");
  CentralEntry entry;
  entry.method = r.u16(at + 10, "central directory");
  entry.crc = r.u32(at + 16, "central directory");
  entry.compressed = r.u32(at + 20, "central directory");
  entry.uncompressed = r.u32(at + 24, "central directory");
  const uint16_t name_length = r.u16(at + 28, "central directory");
  const uint16_t extra_length = r.u16(at + 30, "central directory");
  const uint16_t comment_length = r.u16(at + 32, "central directory");
  entry.local_offset = r.u32(at + 42, "central directory");
  r.need(at + 46, uint64_t(name_length) + extra_length, "member name");
  entry.name.assign(reinterpret_cast<const char*>(bytes.data() + at + 46), name_length);
  // Zip64 extra field: the saturated 32-bit fields, in this order, as 64-bit values.
  for (uint64_t x = at + 46 + name_length; x + 4 <= at + 46 + name_length + extra_length;) {
    uint16_t id = r.u16(x, "extra field"), length = r.u16(x + 2, "extra field");
    if (id == 0x0001) {
      uint64_t field = x + 4;
      if (entry.uncompressed == kSaturated32) {
        entry.uncompressed = r.u64(field, "zip64 field");
        field += 8;
      }
      if (entry.compressed == kSaturated32) {
        entry.compressed = r.u64(field, "zip64 field");
        field += 8;
      }
      if (entry.local_offset == kSaturated32) entry.local_offset = r.u64(field, "zip64 field");
    }
    x += 4 + uint64_t(length);
  }
  entry.next = at + 46 + uint64_t(name_length) + extra_length + comment_length;
  return entry;
}

// The member's bytes, stored or inflated, checked against its CRC-32.
std::vector<uint8_t> member_content(const BoundedReader& r, const std::vector<uint8_t>& bytes,
                                    const CentralEntry& entry, const std::string& where) {
  require(r.u32(entry.local_offset, "local header") == kLocalHeaderSignature, where,
          ": corrupt zip (bad local header)");
  const uint64_t data = checked_add(
      entry.local_offset,
      30u + r.u16(entry.local_offset + 26, "local header") + r.u16(entry.local_offset + 28, "local header"),
      where);
  r.need(data, entry.compressed, "member data");
  std::vector<uint8_t> content;
  if (entry.method == 0) {
    require(entry.compressed == entry.uncompressed, where,
            ": stored member with different compressed/uncompressed sizes");
    content.assign(bytes.begin() + long(data), bytes.begin() + long(data + entry.compressed));
  } else if (entry.method == 8) {
    // Deflate expands at most ~1032:1; a larger declared size is a corrupt directory, not a reason
    // to allocate it.
    require(entry.uncompressed <= 1032 * entry.compressed + 1024, where, ": corrupt zip directory (",
            entry.uncompressed, " bytes cannot come from ", entry.compressed, " deflated bytes)");
    content = inflate_raw(bytes.data() + data, size_t(entry.compressed), size_t(entry.uncompressed), where);
  } else {
    fail(where, ": unsupported zip compression method ", entry.method, " (need stored or deflate)");
  }
  // crc32 takes uInt lengths: fold in 1 GiB pieces.
  uLong actual = crc32(0L, Z_NULL, 0);
  for (size_t done = 0; done < content.size(); done += 1u << 30)
    actual = crc32(actual, content.data() + done, uInt(std::min<size_t>(1u << 30, content.size() - done)));
  require(uint32_t(actual) == entry.crc, where, ": CRC-32 mismatch (corrupt data)");
  return content;
}

}  // namespace

std::map<std::string, std::vector<uint8_t>> parse_npz_members(const std::vector<uint8_t>& bytes,
                                                              const std::string& source,
                                                              const std::vector<std::string>& only) {
  // Every offset and size in a zip comes from the file itself: all reads go through the bounded reader.
  BoundedReader r(bytes, source);
  const CentralDirectory directory = find_central_directory(r, bytes.size(), source);
  std::map<std::string, std::vector<uint8_t>> members;
  uint64_t at = directory.offset;
  for (uint64_t e = 0; e < directory.entries; ++e) {
    const CentralEntry entry = read_central_entry(r, bytes, at, e, source);
    at = entry.next;
    const std::string& name = entry.name;
    std::string key = name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0
                          ? name.substr(0, name.size() - 4)
                          : name;
    if (!only.empty() && std::find(only.begin(), only.end(), key) == only.end()) continue;
    members[key] = member_content(r, bytes, entry, source + " member " + name);
  }
  return members;
}

std::map<std::string, NpyArray> parse_npz(const std::vector<uint8_t>& bytes, const std::string& source,
                                          const std::vector<std::string>& only) {
  std::map<std::string, NpyArray> arrays;
  for (auto& [key, content] : parse_npz_members(bytes, source, only))
    arrays[key] = parse_npy(std::move(content), source + " member " + key + ".npy");
  return arrays;
}

std::map<std::string, NpyArray> read_npz(const std::string& path, const std::vector<std::string>& only) {
  return parse_npz(read_file_bytes(path), path, only);
}

std::map<std::string, std::vector<uint8_t>> read_npz_members(const std::string& path,
                                                             const std::vector<std::string>& only) {
  return parse_npz_members(read_file_bytes(path), path, only);
}

// ---- writing --------------------------------------------------------------------------------------

namespace {

void put(std::ofstream& out, uint64_t value, int width) {
  char bytes[8];
  for (int i = 0; i < width; ++i) bytes[i] = char((value >> (8 * i)) & 0xff);
  out.write(bytes, width);
}

}  // namespace

NpzWriter::NpzWriter(std::string path) : path_(std::move(path)), temporary_path_(path_ + ".tmp") {
  out_.open(temporary_path_, std::ios::binary | std::ios::trunc);
  require(bool(out_), path_, ": cannot open for writing");
}

NpzWriter::~NpzWriter() {
  if (!closed_) {
    out_.close();
    std::remove(temporary_path_.c_str());
  }
}

void NpzWriter::begin_array(const std::string& name, DType dtype, const std::vector<size_t>& shape) {
  size_t count = 1;
  for (size_t d : shape) count *= d;
  begin_member(name, npy_header_bytes(dtype, shape), count * dtype_size(dtype));
}

void NpzWriter::begin_member(const std::string& name, const std::vector<uint8_t>& header,
                             uint64_t data_size) {
  require(!in_member_ && !closed_, path_, ": begin_array while another array is open");
  Member member;
  member.file_name = name + ".npy";
  member.local_header_offset = uint64_t(out_.tellp());
  member.size = header.size() + data_size;
  const bool zip64 = member.size >= kZip64Threshold;
  put(out_, kLocalHeaderSignature, 4);
  put(out_, zip64 ? 45 : 20, 2);  // version needed: 4.5 for zip64, 2.0 otherwise
  put(out_, 0, 2);                // flags
  put(out_, 0, 2);                // method: stored
  put(out_, 0, 2);                // time
  put(out_, (1 << 5) | 1, 2);     // date: 1980-01-01
  put(out_, 0, 4);                // CRC-32, patched in end_array()
  put(out_, zip64 ? kSaturated32 : member.size, 4);
  put(out_, zip64 ? kSaturated32 : member.size, 4);
  put(out_, member.file_name.size(), 2);
  put(out_, zip64 ? 20 : 0, 2);
  out_.write(member.file_name.data(), std::streamsize(member.file_name.size()));
  if (zip64) {
    put(out_, 0x0001, 2);
    put(out_, 16, 2);
    put(out_, member.size, 8);
    put(out_, member.size, 8);
  }
  members_.push_back(member);
  in_member_ = true;
  expected_data_ = data_size;
  written_data_ = 0;
  members_.back().crc = uint32_t(crc32(0L, Z_NULL, 0));
  out_.write(reinterpret_cast<const char*>(header.data()), std::streamsize(header.size()));
  members_.back().crc = uint32_t(crc32(members_.back().crc, header.data(), uInt(header.size())));
}

void NpzWriter::write(const void* bytes, size_t size) {
  require(in_member_, path_, ": write outside an array");
  require(written_data_ + size <= expected_data_, path_, ": more data than the array's shape holds");
  const uint8_t* p = static_cast<const uint8_t*>(bytes);
  for (size_t done = 0; done < size; done += 1u << 30)
    members_.back().crc =
        uint32_t(crc32(members_.back().crc, p + done, uInt(std::min<size_t>(1u << 30, size - done))));
  out_.write(static_cast<const char*>(bytes), std::streamsize(size));
  written_data_ += size;
}

void NpzWriter::end_array() {
  require(in_member_, path_, ": end_array without begin_array");
  require(written_data_ == expected_data_, path_, ": array got ", written_data_, " bytes, its shape needs ",
          expected_data_);
  std::streampos end = out_.tellp();
  out_.seekp(std::streamoff(members_.back().local_header_offset + 14));
  put(out_, members_.back().crc, 4);
  out_.seekp(end);
  in_member_ = false;
}

void NpzWriter::add_text(const std::string& name, const std::vector<std::string>& values) {
  const std::vector<uint8_t> file = serialize_npy_text(values);
  const size_t header_size = npy_text_header_size(file);
  begin_member(name, std::vector<uint8_t>(file.begin(), file.begin() + long(header_size)),
               file.size() - header_size);
  write(file.data() + header_size, file.size() - header_size);
  end_array();
}

void NpzWriter::add(const std::string& name, const NpyArray& array) {
  begin_array(name, array.dtype, array.shape);
  write(array.bytes.data(), array.bytes.size());
  end_array();
}

void NpzWriter::close() {
  require(!in_member_, path_, ": close with an array still open");
  const uint64_t directory_offset = uint64_t(out_.tellp());
  for (const Member& m : members_) {
    const bool big = m.size >= kZip64Threshold, far = m.local_header_offset >= kZip64Threshold;
    const int extra = (big ? 16 : 0) + (far ? 8 : 0);
    put(out_, kCentralHeaderSignature, 4);
    put(out_, 45, 2);                    // made by: version 4.5
    put(out_, big || far ? 45 : 20, 2);  // needed
    put(out_, 0, 2);
    put(out_, 0, 2);
    put(out_, 0, 2);
    put(out_, (1 << 5) | 1, 2);
    put(out_, m.crc, 4);
    put(out_, big ? kSaturated32 : m.size, 4);
    put(out_, big ? kSaturated32 : m.size, 4);
    put(out_, m.file_name.size(), 2);
    put(out_, extra ? extra + 4 : 0, 2);
    put(out_, 0, 2);  // comment
    put(out_, 0, 2);  // disk
    put(out_, 0, 2);  // internal attributes
    put(out_, 0, 4);  // external attributes
    put(out_, far ? kSaturated32 : m.local_header_offset, 4);
    out_.write(m.file_name.data(), std::streamsize(m.file_name.size()));
    if (extra) {
      put(out_, 0x0001, 2);
      put(out_, uint64_t(extra), 2);
      if (big) {
        put(out_, m.size, 8);
        put(out_, m.size, 8);
      }
      if (far) put(out_, m.local_header_offset, 8);
    }
  }
  const uint64_t directory_end = uint64_t(out_.tellp());
  const uint64_t directory_size = directory_end - directory_offset;
  const bool zip64 =
      directory_offset >= kZip64Threshold || directory_size >= kZip64Threshold || members_.size() >= 0xffff;
  if (zip64) {
    put(out_, kZip64EndSignature, 4);
    put(out_, 44, 8);  // size of the rest of this record
    put(out_, 45, 2);
    put(out_, 45, 2);
    put(out_, 0, 4);
    put(out_, 0, 4);
    put(out_, members_.size(), 8);
    put(out_, members_.size(), 8);
    put(out_, directory_size, 8);
    put(out_, directory_offset, 8);
    put(out_, kZip64LocatorSignature, 4);
    put(out_, 0, 4);
    put(out_, directory_end, 8);
    put(out_, 1, 4);
  }
  put(out_, kEndOfDirectorySignature, 4);
  put(out_, 0, 2);
  put(out_, 0, 2);
  put(out_, zip64 ? 0xffff : members_.size(), 2);
  put(out_, zip64 ? 0xffff : members_.size(), 2);
  put(out_, zip64 ? kSaturated32 : directory_size, 4);
  put(out_, zip64 ? kSaturated32 : directory_offset, 4);
  put(out_, 0, 2);
  out_.flush();
  require(bool(out_), path_, ": write failed (disk full?)");
  out_.close();
  require(std::rename(temporary_path_.c_str(), path_.c_str()) == 0, path_,
          ": cannot rename the temporary file into place");
  closed_ = true;
}

void write_npz(const std::string& path, const std::map<std::string, NpyArray>& arrays) {
  NpzWriter writer(path);
  for (const auto& [name, array] : arrays) writer.add(name, array);
  writer.close();
}

}  // namespace untangle
