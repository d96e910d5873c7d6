// The minimal HDF5 reader; see hdf5.h for the parts of the format it covers. Every address and size
// comes from the file, so each read is bounds-checked and a bad value becomes an error naming the file.
#include "data/hdf5.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "core/bounded_reader.h"
#include "core/check.h"
#include "core/file_io.h"

namespace untangle {

namespace {

constexpr uint8_t kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

enum MessageType : uint16_t {
  kDataspace = 0x01,
  kLinkInfo = 0x02,
  kDatatype = 0x03,
  kLink = 0x06,
  kLayout = 0x08,
  kFilterPipeline = 0x0B,
  kContinuation = 0x10,
  kSymbolTable = 0x11,
};

enum Filter : uint16_t { kDeflate = 1, kShuffle = 2 };

struct FilterStep {
  uint16_t id;
  std::vector<uint32_t> parameters;
};

// Deflate expands at most ~1032:1 (zlib's technical details), so no honest file of N bytes holds more
// than this many bytes of data; a dataspace or chunk declaring more is corrupt and is refused before
// any allocation. Fill-value regions (chunks never written) are the one legitimate exception, and are
// not worth a terabyte allocation either.
uint64_t plausible_data_bytes(uint64_t file_size) {
  return 1032 * file_size + (uint64_t(1) << 20);
}

bool is_undefined(uint64_t address, size_t width) {
  return width == 8 ? address == ~uint64_t(0) : address == (uint64_t(1) << (8 * width)) - 1;
}

}  // namespace

void Hdf5File::corrupt(const std::string& what) const {
  fail(path_, ": not a readable HDF5 file: ", what);
}

Hdf5File::Hdf5File(const std::string& path) : path_(path) {
  file_size_ = regular_file_size(path);
  in_.open(path, std::ios::binary);
  require(bool(in_), path, ": cannot open file");
  // The superblock sits at 0, or after a user block at 512, 1024, 2048, ...
  uint64_t at = 0;
  for (;; at = at ? at * 2 : 512) {
    if (at + 8 > file_size_) fail(path_, ": not an HDF5 file (no \\x89HDF signature)");
    if (std::memcmp(read(at, 8, "signature").data(), kSignature, 8) == 0) break;
  }
  std::vector<uint8_t> head = read(at, std::min<uint64_t>(file_size_ - at, 96), "superblock");
  const int version = head.size() > 8 ? head[8] : -1;
  if (version == 0 || version == 1) {
    require(head.size() >= 24, path_, ": truncated superblock");
    offset_size_ = head[13];
    length_size_ = head[14];
    require((offset_size_ == 4 || offset_size_ == 8) && (length_size_ == 4 || length_size_ == 8), path_,
            ": corrupt superblock (offset/length sizes ", offset_size_, "/", length_size_, ")");
    size_t p = version == 0 ? 24 : 28;
    base_ = field(head, p, offset_size_, "superblock");
    // Then free-space, end-of-file and driver addresses, then the root symbol-table entry, whose
    // second field is the root group's object header.
    root_header_ = field(head, p + 4 * offset_size_ + offset_size_, offset_size_, "superblock");
  } else if (version == 2 || version == 3) {
    require(head.size() >= 12, path_, ": truncated superblock");
    offset_size_ = head[9];
    length_size_ = head[10];
    require((offset_size_ == 4 || offset_size_ == 8) && (length_size_ == 4 || length_size_ == 8), path_,
            ": corrupt superblock (offset/length sizes ", offset_size_, "/", length_size_, ")");
    base_ = field(head, 12, offset_size_, "superblock");
    root_header_ = field(head, 12 + 3 * offset_size_, offset_size_, "superblock");
  } else {
    fail(path_, ": unsupported HDF5 superblock version ", version);
  }
}

std::vector<uint8_t> Hdf5File::read(uint64_t address, uint64_t size, const char* what) {
  require(address <= file_size_ && size <= file_size_ - address, path_, ": truncated or corrupt HDF5 file (",
          what, " at byte ", address, ", ", size, " bytes, runs past the end of the ", file_size_,
          "-byte file)");
  std::vector<uint8_t> bytes(size);
  in_.clear();
  in_.seekg(std::streamoff(address));
  require(bool(in_.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size))), path_,
          ": read failed");
  return bytes;
}

uint64_t Hdf5File::field(const std::vector<uint8_t>& bytes, size_t offset, size_t width,
                         const char* what) const {
  return BoundedReader(bytes, path_ + ": not a readable HDF5 file").unsigned_at(offset, width, what);
}

// B-trees and continuation chains are walked at most once per node: a node reached twice means shared
// children or a loop, which a well-formed file never has, and which would make the walk exponential.
void Hdf5File::visit_once(uint64_t address, const char* what) {
  if (!visited_.insert(address).second)
    corrupt(std::string(what) + " at byte " + std::to_string(address) +
            " is reached twice (a loop or shared node)");
}

// All messages of the object header at `address`, following continuation blocks.
std::vector<Hdf5File::Message> Hdf5File::object_header_messages(uint64_t address) {
  address += base_;
  visited_.clear();
  std::vector<Message> messages;
  std::vector<uint8_t> prefix = read(address, 16, "object header");
  struct Block {
    uint64_t begin, end;
  };
  std::vector<Block> blocks;
  bool version2 = std::memcmp(prefix.data(), "OHDR", 4) == 0;
  uint8_t flags = 0;
  if (version2) {
    flags = prefix[5];
    size_t p = 6 + ((flags & 0x20) ? 16 : 0) + ((flags & 0x10) ? 4 : 0);
    size_t width = size_t(1) << (flags & 3);
    std::vector<uint8_t> head = read(address, p + width, "object header");
    uint64_t size = field(head, p, width, "object header");
    blocks.push_back({address + p + width, address + p + width + size});
  } else {
    if (prefix[0] != 1)
      corrupt("object header at " + std::to_string(address) + " has unknown version " +
              std::to_string(prefix[0]));
    uint64_t size = field(prefix, 8, 4, "object header");
    blocks.push_back({address + 16, address + 16 + size});
  }
  const size_t message_header = version2 ? 4 + ((flags & 0x04) ? 2 : 0) : 8;
  for (size_t b = 0; b < blocks.size(); ++b) {
    if (blocks.size() > 10000) corrupt("too many object header continuation blocks (a loop?)");
    std::vector<uint8_t> block =
        read(blocks[b].begin, blocks[b].end - blocks[b].begin, "object header messages");
    size_t p = 0;
    while (p + message_header <= block.size()) {
      uint16_t type = version2 ? block[p] : uint16_t(field(block, p, 2, "message"));
      uint64_t size = field(block, version2 ? p + 1 : p + 2, 2, "message");
      uint64_t body = p + message_header;
      if (body + size > block.size()) corrupt("object header message runs past its block");
      messages.push_back({type, blocks[b].begin + body, size});
      if (type == kContinuation) {
        std::vector<uint8_t> c(block.begin() + long(body), block.begin() + long(body + size));
        uint64_t where = field(c, 0, offset_size_, "continuation") + base_;
        visit_once(where, "object header continuation block");
        uint64_t length = field(c, offset_size_, length_size_, "continuation");
        if (version2) {
          // "OCHK" + messages + 4-byte checksum.
          if (std::memcmp(read(where, 4, "continuation block").data(), "OCHK", 4) != 0)
            corrupt("bad continuation block signature");
          blocks.push_back({where + 4, where + length - 4});
        } else {
          blocks.push_back({where, where + length});
        }
      }
      p = body + size;
    }
  }
  return messages;
}

void Hdf5File::collect_group_btree(uint64_t address, const std::vector<uint8_t>& heap, Root& out, int depth) {
  if (depth > 64) corrupt("group B-tree deeper than 64 levels (a loop?)");
  address += base_;
  visit_once(address, "group B-tree node");
  std::vector<uint8_t> head = read(address, 8 + 2 * offset_size_, "group B-tree node");
  if (std::memcmp(head.data(), "TREE", 4) != 0) corrupt("bad group B-tree node signature");
  if (head[4] != 0) corrupt("group B-tree node has type " + std::to_string(head[4]));
  const int level = head[5];
  const size_t entries = size_t(field(head, 6, 2, "B-tree node"));
  // Keys (heap offsets, length_size bytes) and children (addresses) alternate: key0 child0 key1 ...
  const size_t stride = length_size_ + offset_size_;
  std::vector<uint8_t> body =
      read(address + head.size(), entries * stride + length_size_, "group B-tree entries");
  for (size_t i = 0; i < entries; ++i) {
    uint64_t child = field(body, i * stride + length_size_, offset_size_, "B-tree child");
    if (level > 0) {
      collect_group_btree(child, heap, out, depth + 1);
      continue;
    }
    // A symbol-table node: "SNOD", version, reserved, count, then entries of
    // (name offset in the heap, object header address, cache type, reserved, 16-byte scratch pad).
    std::vector<uint8_t> node = read(child + base_, 8, "symbol table node");
    if (std::memcmp(node.data(), "SNOD", 4) != 0) corrupt("bad symbol table node signature");
    size_t symbols = size_t(field(node, 6, 2, "symbol table node"));
    const size_t entry_size = 2 * offset_size_ + 24;
    std::vector<uint8_t> table = read(child + base_ + 8, symbols * entry_size, "symbol table entries");
    for (size_t s = 0; s < symbols; ++s) {
      uint64_t name_offset = field(table, s * entry_size, offset_size_, "symbol");
      uint64_t header = field(table, s * entry_size + offset_size_, offset_size_, "symbol");
      if (name_offset >= heap.size()) corrupt("symbol name outside the local heap");
      const char* name = reinterpret_cast<const char*>(heap.data() + name_offset);
      out.names.emplace_back(name, strnlen(name, heap.size() - name_offset));
      out.addresses.push_back(header);
    }
  }
}

Hdf5File::Root Hdf5File::root_group() {
  Root root;
  for (const Message& m : object_header_messages(root_header_)) {
    std::vector<uint8_t> body = read(m.offset, m.size, "group message");
    if (m.type == kSymbolTable) {
      uint64_t btree = field(body, 0, offset_size_, "symbol table message");
      uint64_t heap_address = field(body, offset_size_, offset_size_, "symbol table message") + base_;
      // Local heap: "HEAP", version, 3 reserved, data size (length), free list (length), data address.
      std::vector<uint8_t> heap_head = read(heap_address, 8 + 2 * length_size_ + offset_size_, "local heap");
      if (std::memcmp(heap_head.data(), "HEAP", 4) != 0) corrupt("bad local heap signature");
      uint64_t heap_size = field(heap_head, 8, length_size_, "local heap");
      uint64_t heap_data = field(heap_head, 8 + 2 * length_size_, offset_size_, "local heap") + base_;
      visited_.clear();
      collect_group_btree(btree, read(heap_data, heap_size, "local heap data"), root, 0);
    } else if (m.type == kLink) {
      // version 1, flags, [link type], [creation order], [charset], name length, name, target.
      uint8_t flags = body.size() > 1 ? body[1] : 0;
      size_t p = 2;
      uint8_t link_type = 0;
      if (flags & 0x08) link_type = uint8_t(field(body, p++, 1, "link"));
      if (flags & 0x04) p += 8;
      if (flags & 0x10) p += 1;
      size_t width = size_t(1) << (flags & 3);
      uint64_t name_length = field(body, p, width, "link");
      p += width;
      if (p > body.size() || name_length > body.size() - p) corrupt("link name runs past its message");
      std::string name(reinterpret_cast<const char*>(body.data() + p), name_length);
      if (link_type != 0) continue;  // soft and external links are not followed
      root.names.push_back(name);
      root.addresses.push_back(field(body, p + name_length, offset_size_, "link"));
    } else if (m.type == kLinkInfo) {
      // Dense link storage keeps the names in a fractal heap; this reader does not go there.
      size_t p = 2 + ((body.size() > 1 && (body[1] & 1)) ? 8 : 0);
      if (!is_undefined(field(body, p, offset_size_, "link info"), offset_size_))
        fail(path_,
             ": the root group uses dense link storage (a fractal heap), which this reader does not support");
    }
  }
  return root;
}

std::vector<std::string> Hdf5File::root_names() {
  return root_group().names;
}

void Hdf5File::collect_chunks(uint64_t address, size_t rank, std::vector<std::vector<uint64_t>>& offsets,
                              std::vector<uint64_t>& addresses, std::vector<uint32_t>& sizes,
                              std::vector<uint32_t>& masks, int depth) {
  if (depth > 64) corrupt("chunk B-tree deeper than 64 levels (a loop?)");
  address += base_;
  visit_once(address, "chunk B-tree node");
  std::vector<uint8_t> head = read(address, 8 + 2 * offset_size_, "chunk B-tree node");
  if (std::memcmp(head.data(), "TREE", 4) != 0) corrupt("bad chunk B-tree node signature");
  if (head[4] != 1) corrupt("chunk B-tree node has type " + std::to_string(head[4]));
  const int level = head[5];
  const size_t entries = size_t(field(head, 6, 2, "B-tree node"));
  // Key: chunk size (4), filter mask (4), (rank + 1) offsets of 8 bytes; then the child address.
  const size_t key_size = 8 + 8 * (rank + 1), stride = key_size + offset_size_;
  std::vector<uint8_t> body =
      read(address + head.size(), entries * stride + key_size, "chunk B-tree entries");
  for (size_t i = 0; i < entries; ++i) {
    uint64_t child = field(body, i * stride + key_size, offset_size_, "B-tree child");
    if (level > 0) {
      collect_chunks(child, rank, offsets, addresses, sizes, masks, depth + 1);
      continue;
    }
    std::vector<uint64_t> offset(rank);
    for (size_t d = 0; d < rank; ++d) offset[d] = field(body, i * stride + 8 + 8 * d, 8, "chunk offset");
    offsets.push_back(offset);
    sizes.push_back(uint32_t(field(body, i * stride, 4, "chunk size")));
    masks.push_back(uint32_t(field(body, i * stride + 4, 4, "filter mask")));
    addresses.push_back(child + base_);
  }
}

namespace {

std::vector<uint8_t> inflate_zlib(const std::vector<uint8_t>& in, size_t expected, const std::string& where) {
  std::vector<uint8_t> out(expected);
  uLongf produced = uLongf(expected);
  int status = uncompress(out.data(), &produced, in.data(), uLong(in.size()));
  require(status == Z_OK, where, ": corrupt gzip (deflate) chunk (zlib status ", status, ")");
  require(produced == expected, where, ": a chunk inflated to ", produced, " bytes, expected ", expected);
  return out;
}

// The shuffle filter stored byte k of every element together; put the elements back.
std::vector<uint8_t> unshuffle(const std::vector<uint8_t>& in, size_t element_size) {
  if (element_size <= 1) return in;
  std::vector<uint8_t> out(in);
  const size_t n = in.size() / element_size;
  for (size_t byte = 0; byte < element_size; ++byte)
    for (size_t i = 0; i < n; ++i) out[i * element_size + byte] = in[byte * n + i];
  return out;
}

// Undoes a chunk's filter pipeline, in reverse order; bit f of `mask` set means filter f was skipped for
// this chunk. The result must hold exactly `expected` bytes.
std::vector<uint8_t> unfilter_chunk(std::vector<uint8_t> chunk, const std::vector<FilterStep>& filters,
                                    uint32_t mask, size_t expected, size_t element,
                                    const std::string& where) {
  for (size_t f = filters.size(); f-- > 0;) {
    if (mask & (1u << f)) continue;
    if (filters[f].id == kDeflate)
      chunk = inflate_zlib(chunk, expected, where);
    else
      chunk = unshuffle(chunk, element);
  }
  require(chunk.size() == expected, where, ": a chunk holds ", chunk.size(), " bytes, expected ", expected);
  return chunk;
}

// Copies the rows of a chunk that starts at `offset` into `array` (C order, row strides `stride` in
// elements); edge chunks overhang the array, and their rows outside it are skipped.
void copy_chunk_rows(const std::vector<uint8_t>& chunk, const std::vector<uint64_t>& offset,
                     const std::vector<uint64_t>& chunk_dims, const std::vector<size_t>& stride,
                     size_t element, NpyArray& array) {
  const size_t rank = array.shape.size(), last = rank - 1;
  const size_t chunk_elements = chunk.size() / element;
  std::vector<size_t> position(rank, 0);  // position inside the chunk, last dimension excluded
  const size_t run = std::min<size_t>(size_t(chunk_dims[last]), array.shape[last] - size_t(offset[last]));
  for (size_t row = 0; row < chunk_elements / size_t(chunk_dims[last]); ++row) {
    bool inside = true;
    size_t target = size_t(offset[last]), rest = row;
    for (size_t d = last; d-- > 0;) {
      position[d] = rest % size_t(chunk_dims[d]);
      rest /= size_t(chunk_dims[d]);
    }
    for (size_t d = 0; d < last; ++d) {
      size_t coordinate = size_t(offset[d]) + position[d];
      if (coordinate >= array.shape[d]) inside = false;
      target += coordinate * stride[d];
    }
    const size_t source = row * size_t(chunk_dims[last]);
    if (inside)
      std::memcpy(array.bytes.data() + target * element, chunk.data() + source * element, run * element);
  }
}

}  // namespace

// What a dataset's header messages say, one parser per message below.
struct Hdf5File::DatasetMessages {
  NpyArray array;  // shape (dataspace) and dtype (datatype); no bytes yet
  bool have_space = false, have_type = false, have_layout = false;
  int layout_class = -1;                     // 0 compact, 1 contiguous, 2 chunked
  std::vector<uint8_t> compact;              // compact: the data itself
  uint64_t data_address = 0, data_size = 0;  // contiguous
  std::vector<uint64_t> chunk_dims;          // chunked: the chunk's shape, then the element size
  uint64_t chunk_btree = 0;                  // chunked: the chunk index
  std::vector<FilterStep> filters;
};

void Hdf5File::parse_dataspace(const std::vector<uint8_t>& body, DatasetMessages& out) const {
  int version = body.size() > 0 ? body[0] : 0;
  size_t rank = body.size() > 1 ? body[1] : 0;
  size_t p = version == 1 ? 8 : 4;
  for (size_t d = 0; d < rank; ++d)
    out.array.shape.push_back(size_t(field(body, p + d * length_size_, length_size_, "dataspace")));
  out.have_space = true;
}

void Hdf5File::parse_datatype(const std::vector<uint8_t>& body, const std::string& where,
                              DatasetMessages& out) const {
  if (body.size() < 8) corrupt("truncated datatype message");
  int type_class = body[0] & 0x0f;
  bool big_endian = body[1] & 0x01, is_signed = body[1] & 0x08;
  uint32_t size = uint32_t(field(body, 4, 4, "datatype"));
  require(!big_endian || size == 1, where, ": big-endian data is not supported");
  DType& dtype = out.array.dtype;
  if (type_class == 0 && size == 1 && !is_signed)
    dtype = DType::UInt8;
  else if (type_class == 0 && size == 4 && is_signed)
    dtype = DType::Int32;
  else if (type_class == 0 && size == 8 && is_signed)
    dtype = DType::Int64;
  else if (type_class == 1 && size == 4)
    dtype = DType::Float32;
  else if (type_class == 1 && size == 8)
    dtype = DType::Float64;
  else
    fail(where, ": unsupported datatype (class ", type_class, ", ", size, " bytes",
         is_signed ? ", signed" : "", ")");
  out.have_type = true;
}

void Hdf5File::parse_layout(const std::vector<uint8_t>& body, const std::string& where,
                            DatasetMessages& out) const {
  int version = body.size() > 0 ? body[0] : 0;
  const int layout_class = body.size() > 1 ? body[1] : -1;
  out.layout_class = layout_class;
  // Versions 4 and 5 (libver='latest') store compact and contiguous data exactly as version 3;
  // only their chunk indexes (fixed/extensible arrays, version-2 B-trees) are new, and unsupported.
  require(version == 3 || ((version == 4 || version == 5) && (layout_class == 0 || layout_class == 1)), where,
          ": data layout version ", version, (layout_class == 2 ? " (chunked)" : ""),
          " is not supported (write the file with h5py's default libver='earliest')");
  if (layout_class == 0) {
    uint64_t size = field(body, 2, 2, "layout");
    if (4 + size > body.size()) corrupt("compact data runs past its message");
    out.compact.assign(body.begin() + 4, body.begin() + long(4 + size));
  } else if (layout_class == 1) {
    out.data_address = field(body, 2, offset_size_, "layout");
    out.data_size = field(body, 2 + offset_size_, length_size_, "layout");
  } else if (layout_class == 2) {
    size_t dims = body.size() > 2 ? body[2] : 0;
    out.chunk_btree = field(body, 3, offset_size_, "layout");
    for (size_t d = 0; d < dims; ++d)
      out.chunk_dims.push_back(field(body, 3 + offset_size_ + 4 * d, 4, "layout"));
  } else {
    fail(where, ": unsupported data layout class ", layout_class);
  }
  out.have_layout = true;
}

void Hdf5File::parse_filter_pipeline(const std::vector<uint8_t>& body, const std::string& where,
                                     DatasetMessages& out) const {
  int version = body.size() > 0 ? body[0] : 0;
  size_t count = body.size() > 1 ? body[1] : 0;
  size_t p = version == 1 ? 8 : 2;
  for (size_t f = 0; f < count; ++f) {
    FilterStep step;
    step.id = uint16_t(field(body, p, 2, "filter"));
    size_t name_length = (version == 1 || step.id >= 256) ? size_t(field(body, p + 2, 2, "filter")) : 0;
    size_t q = p + ((version == 1 || step.id >= 256) ? 4 : 2);
    size_t values = size_t(field(body, q + 2, 2, "filter"));
    q += 4;
    q += version == 1 ? (name_length + 7) / 8 * 8 : name_length;  // v1 pads the name to 8 bytes
    for (size_t v = 0; v < values; ++v)
      step.parameters.push_back(uint32_t(field(body, q + 4 * v, 4, "filter")));
    q += 4 * values;
    if (version == 1 && values % 2 == 1) q += 4;
    p = q;
    require(step.id == kDeflate || step.id == kShuffle, where, ": unsupported HDF5 filter ", step.id,
            " (this reader knows gzip/deflate and shuffle)");
    out.filters.push_back(step);
  }
}

Hdf5File::DatasetMessages Hdf5File::dataset_messages(uint64_t header, const std::string& where) {
  DatasetMessages messages;
  for (const Message& m : object_header_messages(header)) {
    std::vector<uint8_t> body = read(m.offset, m.size, "dataset message");
    if (m.type == kDataspace)
      parse_dataspace(body, messages);
    else if (m.type == kDatatype)
      parse_datatype(body, where, messages);
    else if (m.type == kLayout)
      parse_layout(body, where, messages);
    else if (m.type == kFilterPipeline)
      parse_filter_pipeline(body, where, messages);
  }
  require(messages.have_space && messages.have_type && messages.have_layout, where,
          ": not a dataset (missing dataspace, datatype or layout)");
  return messages;
}

// Fills array.bytes (`total` bytes, already checked against the file size) from the dataset's chunks.
void Hdf5File::read_chunked(const DatasetMessages& messages, size_t total, const std::string& where,
                            NpyArray& array) {
  const size_t rank = array.shape.size(), element = dtype_size(array.dtype);
  const std::vector<uint64_t>& chunk_dims = messages.chunk_dims;
  const uint64_t budget = plausible_data_bytes(file_size_);
  require(rank >= 1, where, ": a chunked dataset needs at least one dimension");
  require(chunk_dims.size() == rank + 1, where, ": chunk rank ", chunk_dims.size(),
          " does not match dataset rank ", rank);
  for (size_t d = 0; d < rank; ++d) require(chunk_dims[d] > 0, where, ": zero chunk dimension");
  const std::vector<size_t> chunk_shape(chunk_dims.begin(), chunk_dims.end() - 1);
  const size_t chunk_elements = checked_product(chunk_shape, 1, where + " chunk");
  require(checked_product(chunk_shape, element, where + " chunk") <= budget, where, ": a chunk of ",
          chunk_elements * element, " bytes cannot come from a ", file_size_, "-byte file (corrupt file?)");
  array.bytes.assign(total, 0);  // chunks never written read as the fill value 0
  std::vector<std::vector<uint64_t>> offsets;
  std::vector<uint64_t> addresses;
  std::vector<uint32_t> sizes, masks;
  visited_.clear();
  if (!is_undefined(messages.chunk_btree, offset_size_))
    collect_chunks(messages.chunk_btree, rank, offsets, addresses, sizes, masks, 0);
  // Every chunk is inflated and copied: their total, like the dataset's, is bounded by the file size.
  require(checked_multiply(addresses.size(), chunk_elements * element, where) <= 2 * budget, where, ": ",
          addresses.size(), " chunks of ", chunk_elements * element, " bytes cannot come from a ", file_size_,
          "-byte file (corrupt file?)");
  // Row strides of the full array, in elements.
  std::vector<size_t> stride(rank, 1);
  for (size_t d = rank; d-- > 1;) stride[d - 1] = stride[d] * array.shape[d];
  for (size_t c = 0; c < addresses.size(); ++c) {
    const std::vector<uint8_t> chunk = unfilter_chunk(read(addresses[c], sizes[c], "chunk"), messages.filters,
                                                      masks[c], chunk_elements * element, element, where);
    for (size_t d = 0; d < rank; ++d)
      require(offsets[c][d] < array.shape[d] && offsets[c][d] % chunk_dims[d] == 0, where,
              ": chunk offset out of range");
    copy_chunk_rows(chunk, offsets[c], chunk_dims, stride, element, array);
  }
}

uint64_t Hdf5File::root_dataset_header(const std::string& name) {
  Root root = root_group();
  auto it = std::find(root.names.begin(), root.names.end(), name);
  if (it == root.names.end()) {
    std::string known;
    for (const std::string& n : root.names) known += (known.empty() ? "" : ", ") + n;
    fail(path_, ": no dataset '", name, "' in the root group (it holds: ", known.empty() ? "nothing" : known,
         ")");
  }
  return root.addresses[size_t(it - root.names.begin())];
}

NpyArray Hdf5File::read_dataset(const std::string& name) {
  const uint64_t header = root_dataset_header(name);
  const std::string where = path_ + " dataset '" + name + "'";
  DatasetMessages messages = dataset_messages(header, where);
  NpyArray array = std::move(messages.array);
  const size_t element = dtype_size(array.dtype);
  // A corrupt dataspace must not turn into a multi-terabyte allocation (or an overflowing product).
  const uint64_t budget = plausible_data_bytes(file_size_);
  const size_t total = checked_product(array.shape, element, where + " dataspace");
  require(total <= budget, where, ": dataspace of ", total, " bytes cannot come from a ", file_size_,
          "-byte file (corrupt file?)");
  if (messages.layout_class == 0) {
    const std::vector<uint8_t>& compact = messages.compact;
    require(compact.size() >= total, where, ": compact data holds ", compact.size(), " bytes, needs ", total);
    array.bytes.assign(compact.begin(), compact.begin() + long(total));
  } else if (messages.layout_class == 1) {
    require(!is_undefined(messages.data_address, offset_size_) || total == 0, where,
            ": no data was ever written");
    require(messages.data_size >= total, where, ": contiguous storage holds ", messages.data_size,
            " bytes, the shape needs ", total);
    array.bytes = total ? read(messages.data_address + base_, total, "dataset data") : std::vector<uint8_t>();
  } else {
    read_chunked(messages, total, where, array);
  }
  return array;
}

}  // namespace untangle
