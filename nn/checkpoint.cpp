#include "nn/checkpoint.h"

#include <zlib.h>

#include <cstring>

#include "kernels/check.h"
#include "kernels/file_io.h"

namespace untangle {

namespace {

constexpr char kMagic[8] = {'U', 'N', 'T', 'A', 'N', 'G', 'L', 'E'};
constexpr char kEndMarker[4] = {'E', 'N', 'D', '!'};
constexpr uint32_t kVersion = 1;

class Writer {
 public:
  void bytes(const void* data, size_t size) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    buffer.insert(buffer.end(), p, p + size);
  }
  void u32(uint32_t value) { bytes(&value, 4); }  // little-endian hosts only (x86-64, aarch64)
  void text(const std::string& s) {
    u32(uint32_t(s.size()));
    bytes(s.data(), s.size());
  }
  std::vector<uint8_t> buffer;
};

class Reader {
 public:
  Reader(const std::vector<uint8_t>& data, const std::string& path) : data_(data), path_(path) {}
  const uint8_t* take(size_t size, const char* what) {
    require(position_ + size <= data_.size(), path_, ": truncated checkpoint (file ends inside ", what, ")");
    const uint8_t* p = data_.data() + position_;
    position_ += size;
    return p;
  }
  uint32_t u32(const char* what) {
    uint32_t value;
    std::memcpy(&value, take(4, what), 4);
    return value;
  }
  std::string text(const char* what) {
    uint32_t length = u32(what);
    require(length < (1u << 30), path_, ": corrupt checkpoint (impossible ", what, " length)");
    const uint8_t* p = take(length, what);
    return std::string(reinterpret_cast<const char*>(p), length);
  }
  size_t position() const { return position_; }
  const uint8_t* at(size_t offset) const { return data_.data() + offset; }

 private:
  const std::vector<uint8_t>& data_;
  std::string path_;
  size_t position_ = 0;
};

uint32_t crc_of(const uint8_t* data, size_t size) {
  return uint32_t(crc32(crc32(0L, Z_NULL, 0), data, uInt(size)));
}

void finish_record(Writer& w, size_t record_start) {
  w.u32(crc_of(w.buffer.data() + record_start, w.buffer.size() - record_start));
}

}  // namespace

void Checkpoint::add(const ParameterList& list) {
  for (const NamedTensor& item : list.items()) tensors[item.name] = item.tensor;
}

void Checkpoint::restore(const ParameterList& list, const std::string& source) const {
  for (const NamedTensor& item : list.items()) {
    auto found = tensors.find(item.name);
    require(found != tensors.end(), source, ": checkpoint has no tensor '", item.name, "'");
    require(found->second.shape() == item.tensor.shape(), source, ": tensor '", item.name, "' has shape ",
            shape_string(found->second.shape()), ", the model expects ", shape_string(item.tensor.shape()));
    item.tensor.copy_from(found->second.to_vector());  // on whichever device the model lives
  }
}

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  Writer w;
  w.bytes(kMagic, sizeof(kMagic));
  w.u32(kVersion);
  w.u32(uint32_t(checkpoint.tensors.size() + checkpoint.metadata.size()));
  for (const auto& [name, tensor] : checkpoint.tensors) {
    size_t start = w.buffer.size();
    w.bytes("T", 1);
    w.text(name);
    w.u32(uint32_t(tensor.rank()));
    for (int d : tensor.shape()) w.bytes(&d, 4);
    const std::vector<float> values = tensor.to_vector();  // copied back when the tensor is on a GPU
    w.bytes(values.data(), values.size() * sizeof(float));
    finish_record(w, start);
  }
  for (const auto& [key, value] : checkpoint.metadata) {
    size_t start = w.buffer.size();
    w.bytes("M", 1);
    w.text(key);
    w.text(value);
    finish_record(w, start);
  }
  w.bytes(kEndMarker, sizeof(kEndMarker));
  write_file_atomically(path, w.buffer.data(), w.buffer.size());
}

Checkpoint load_checkpoint(const std::string& path) {
  std::vector<uint8_t> data = read_file_bytes(path);
  Reader r(data, path);
  require(data.size() >= 8 && std::memcmp(r.take(8, "the header"), kMagic, 8) == 0, path,
          ": not an untangle checkpoint (bad magic)");
  uint32_t version = r.u32("the header");
  require(version == kVersion, path, ": checkpoint version ", version, " is not supported (this build reads ",
          kVersion, ")");
  uint32_t records = r.u32("the header");
  Checkpoint checkpoint;
  for (uint32_t index = 0; index < records; ++index) {
    size_t start = r.position();
    char kind = char(*r.take(1, "a record"));
    std::string name = r.text("a record name");
    if (kind == 'T') {
      uint32_t rank = r.u32("a tensor shape");
      require(rank <= 4, path, ": corrupt checkpoint (tensor '", name, "' has rank ", rank, ")");
      Shape shape(rank);
      for (uint32_t i = 0; i < rank; ++i) {
        std::memcpy(&shape[i], r.take(4, "a tensor shape"), 4);
        require(shape[i] >= 0, path, ": corrupt checkpoint (tensor '", name, "' has a negative dimension)");
      }
      const size_t count = shape_numel(shape);
      require(count <= data.size() / 4, path, ": corrupt checkpoint (tensor '", name, "' claims ", count, " values)");
      Tensor tensor = Tensor::zeros(shape);
      std::memcpy(tensor.data(), r.take(count * 4, "tensor values"), count * 4);
      checkpoint.tensors[name] = tensor;
    } else if (kind == 'M') {
      checkpoint.metadata[name] = r.text("a metadata value");
    } else {
      fail(path, ": corrupt checkpoint (unknown record kind at byte ", start, ")");
    }
    const size_t end = r.position();
    uint32_t stored = r.u32("a checksum");
    require(stored == crc_of(r.at(start), end - start), path, ": checksum mismatch in record '", name,
            "' (the file is corrupted)");
  }
  require(std::memcmp(r.take(4, "the end marker"), kEndMarker, 4) == 0, path,
          ": corrupt checkpoint (missing end marker)");
  return checkpoint;
}

}  // namespace untangle
