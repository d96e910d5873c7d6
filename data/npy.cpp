#include "data/npy.h"

#include <cstring>
#include <regex>

#include "kernels/check.h"

namespace untangle {

size_t dtype_size(DType type) {
  switch (type) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
    case DType::Int32: return 4;
    case DType::UInt8: return 1;
  }
  return 0;
}

const char* dtype_name(DType type) {
  switch (type) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
    case DType::Int32: return "int32";
    case DType::UInt8: return "uint8";
  }
  return "?";
}

namespace {
const char* descr_of(DType type) {
  switch (type) {
    case DType::Float32: return "<f4";
    case DType::Float64: return "<f8";
    case DType::Int64: return "<i8";
    case DType::Int32: return "<i4";
    case DType::UInt8: return "|u1";
  }
  return "";
}

// Reads an element of any stored type as double; the files are little-endian and so is every
// machine untangle targets (x86-64, aarch64), so a memcpy is the whole conversion.
template <typename Out>
std::vector<Out> convert(const NpyArray& a) {
  std::vector<Out> out(a.count());
  const uint8_t* p = a.bytes.data();
  for (size_t i = 0; i < out.size(); ++i) {
    switch (a.dtype) {
      case DType::Float32: { float v; std::memcpy(&v, p + 4 * i, 4); out[i] = Out(v); break; }
      case DType::Float64: { double v; std::memcpy(&v, p + 8 * i, 8); out[i] = Out(v); break; }
      case DType::Int64: { int64_t v; std::memcpy(&v, p + 8 * i, 8); out[i] = Out(v); break; }
      case DType::Int32: { int32_t v; std::memcpy(&v, p + 4 * i, 4); out[i] = Out(v); break; }
      case DType::UInt8: out[i] = Out(p[i]); break;
    }
  }
  return out;
}
}  // namespace

size_t NpyArray::count() const {
  size_t n = 1;
  for (size_t d : shape) n *= d;
  return n;
}
std::vector<double> NpyArray::as_double() const { return convert<double>(*this); }
std::vector<float> NpyArray::as_float() const { return convert<float>(*this); }
std::vector<int64_t> NpyArray::as_int64() const { return convert<int64_t>(*this); }

namespace {
// Parses the header; returns the array without its bytes and sets data_start to where they begin.
NpyArray parse_npy_header(const std::vector<uint8_t>& file, const std::string& source, size_t& data_start) {
  static const char magic[] = "\x93NUMPY";
  require(file.size() >= 10 && std::memcmp(file.data(), magic, 6) == 0, source,
          ": not a .npy file (missing the \\x93NUMPY magic)");
  int major = file[6];
  require(major >= 1 && major <= 3, source, ": unsupported .npy version ", major);
  size_t header_length, header_start;
  if (major == 1) {
    header_length = file[8] | (size_t(file[9]) << 8);
    header_start = 10;
  } else {
    require(file.size() >= 12, source, ": truncated .npy header");
    header_length = file[8] | (size_t(file[9]) << 8) | (size_t(file[10]) << 16) | (size_t(file[11]) << 24);
    header_start = 12;
  }
  require(file.size() >= header_start + header_length, source, ": truncated .npy header");
  std::string header(reinterpret_cast<const char*>(file.data()) + header_start, header_length);

  std::smatch match;
  require(std::regex_search(header, match, std::regex("'descr'\\s*:\\s*'([^']*)'")), source,
          ": .npy header has no 'descr'");
  std::string descr = match[1];
  NpyArray array;
  if (descr == "<f4") array.dtype = DType::Float32;
  else if (descr == "<f8") array.dtype = DType::Float64;
  else if (descr == "<i8") array.dtype = DType::Int64;
  else if (descr == "<i4") array.dtype = DType::Int32;
  else if (descr == "|u1" || descr == "<u1" || descr == "|b1") array.dtype = DType::UInt8;
  else if (!descr.empty() && descr[0] == '>')
    fail(source, ": big-endian data ('", descr, "') is not supported; save it little-endian (astype('<", descr.substr(1), "'))");
  else fail(source, ": unsupported dtype '", descr, "' (need float32, float64, int64, int32 or uint8)");

  require(std::regex_search(header, match, std::regex("'fortran_order'\\s*:\\s*(True|False)")), source,
          ": .npy header has no 'fortran_order'");
  require(match[1] == "False", source, ": Fortran-ordered arrays are not supported; save with C order");

  require(std::regex_search(header, match, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")), source,
          ": .npy header has no 'shape'");
  std::string dims = match[1];
  std::regex number("[0-9]+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), number); it != std::sregex_iterator(); ++it)
    array.shape.push_back(std::stoull(it->str()));

  data_start = header_start + header_length;
  size_t expected = array.count() * dtype_size(array.dtype);
  require(file.size() - data_start >= expected, source, ": truncated data (expected ", expected,
          " bytes, file holds ", file.size() - data_start, ")");
  return array;
}
}  // namespace

NpyArray parse_npy(const std::vector<uint8_t>& file, const std::string& source) {
  size_t data_start = 0;
  NpyArray array = parse_npy_header(file, source, data_start);
  array.bytes.assign(file.begin() + long(data_start), file.begin() + long(data_start + array.count() * dtype_size(array.dtype)));
  return array;
}

NpyArray parse_npy(std::vector<uint8_t>&& file, const std::string& source) {
  size_t data_start = 0;
  NpyArray array = parse_npy_header(file, source, data_start);
  // Reuse the buffer: drop the header in place instead of copying (multi-GB dataset members).
  file.erase(file.begin(), file.begin() + long(data_start));
  file.resize(array.count() * dtype_size(array.dtype));
  array.bytes = std::move(file);
  return array;
}

NpyArray read_npy(const std::string& path) { return parse_npy(read_file_bytes(path), path); }

std::vector<uint8_t> npy_header_bytes(DType dtype, const std::vector<size_t>& shape) {
  // Python tuple syntax: "()", "(3,)", "(3, 4)".
  std::string dims = "(";
  for (size_t i = 0; i < shape.size(); ++i) dims += (i ? ", " : "") + std::to_string(shape[i]);
  dims += shape.size() == 1 ? ",)" : ")";
  std::string header = std::string("{'descr': '") + descr_of(dtype) + "', 'fortran_order': False, 'shape': " + dims + ", }";
  // Pad with spaces and a final newline so that magic + length + header is a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string prefix = "\x93NUMPY";
  prefix += {char(1), char(0), char(header.size() & 0xff), char(header.size() >> 8)};
  std::string all = prefix + header;
  return std::vector<uint8_t>(all.begin(), all.end());
}

std::vector<uint8_t> serialize_npy(const NpyArray& array) {
  require(array.bytes.size() == array.count() * dtype_size(array.dtype),
          "write_npy: byte count does not match shape and dtype");
  std::vector<uint8_t> out = npy_header_bytes(array.dtype, array.shape);
  out.insert(out.end(), array.bytes.begin(), array.bytes.end());
  return out;
}

void write_npy(const std::string& path, const NpyArray& array) {
  std::vector<uint8_t> bytes = serialize_npy(array);
  write_file_atomically(path, bytes.data(), bytes.size());
}

namespace {
template <typename T>
NpyArray make_typed(const std::vector<T>& values, std::vector<size_t> shape, DType type) {
  NpyArray a;
  a.dtype = type;
  a.shape = std::move(shape);
  require(a.count() == values.size(), "make_npy: ", values.size(), " values do not fill the shape");
  a.bytes.resize(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
  return a;
}
}  // namespace

NpyArray make_npy(const std::vector<float>& v, std::vector<size_t> s) { return make_typed(v, s, DType::Float32); }
NpyArray make_npy(const std::vector<int64_t>& v, std::vector<size_t> s) { return make_typed(v, s, DType::Int64); }
NpyArray make_npy(const std::vector<uint8_t>& v, std::vector<size_t> s) { return make_typed(v, s, DType::UInt8); }
NpyArray make_npy(const std::vector<double>& v, std::vector<size_t> s) { return make_typed(v, s, DType::Float64); }

}  // namespace untangle
