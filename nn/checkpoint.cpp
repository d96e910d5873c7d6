#include "nn/checkpoint.h"

#include <zlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/bounded_reader.h"
#include "core/check.h"
#include "core/file_io.h"

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

// Front-to-back reads of a checkpoint's bytes, each checked against the file's size (see
// core/bounded_reader.h); errors name the file and say the checkpoint is truncated.
class Reader {
 public:
  Reader(const std::vector<uint8_t>& data, const std::string& path)
      : bytes_(data, path + ": truncated checkpoint") {}
  const uint8_t* take(size_t size, const char* what) { return bytes_.take(size, what); }
  uint32_t u32(const char* what) { return bytes_.take_u32(what); }
  std::string text(const char* what) {
    const uint32_t length = u32(what);
    const uint8_t* p = take(length, what);
    return std::string(reinterpret_cast<const char*>(p), length);
  }
  size_t position() const { return bytes_.position(); }
  const uint8_t* at(size_t offset) const { return bytes_.span(offset, 0, "a record"); }

 private:
  BoundedReader bytes_;
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
      const std::vector<size_t> dims(shape.begin(), shape.end());
      const uint64_t bytes =
          checked_product(dims, sizeof(float), path + ": corrupt checkpoint (tensor '" + name + "')");
      const uint8_t* values = r.take(bytes, "tensor values");  // checked before the allocation below
      Tensor tensor = Tensor::zeros(shape);
      if (bytes > 0) std::memcpy(tensor.data(), values, bytes);  // an empty tensor may have no buffer at all
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

namespace {

const std::string& metadata_text(const std::map<std::string, std::string>& metadata, const std::string& key,
                                 const std::string& source) {
  auto it = metadata.find(key);
  require(it != metadata.end(), source, ": checkpoint has no '", key, "' record");
  require(!it->second.empty() && it->second.size() < 24 &&
              it->second.find_first_not_of("0123456789", it->second[0] == '-' ? 1 : 0) == std::string::npos,
          source, ": checkpoint record '", key, "' is not a whole number ('", it->second.substr(0, 40), "')");
  return it->second;
}

}  // namespace

long long metadata_integer(const std::map<std::string, std::string>& metadata, const std::string& key,
                           const std::string& source, long long low, long long high) {
  const std::string& text = metadata_text(metadata, key, source);
  errno = 0;
  const long long value = std::strtoll(text.c_str(), nullptr, 10);
  require(errno != ERANGE && value >= low && value <= high, source, ": checkpoint record '", key,
          "' = ", text, " is outside ", low, " .. ", high);
  return value;
}

uint64_t metadata_counter(const std::map<std::string, std::string>& metadata, const std::string& key,
                          const std::string& source) {
  const std::string& text = metadata_text(metadata, key, source);
  require(text[0] != '-', source, ": checkpoint record '", key, "' is negative (", text, ")");
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
  require(errno != ERANGE, source, ": checkpoint record '", key, "' = ", text, " does not fit 64 bits");
  return uint64_t(value);
}

}  // namespace untangle
